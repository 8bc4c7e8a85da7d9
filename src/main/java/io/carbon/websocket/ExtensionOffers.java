package io.carbon.websocket;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses {@code Sec-WebSocket-Extensions} (RFC 6455 §9.1): a comma-separated list of extensions, each a token
 * with {@code ;}-separated parameters, a parameter's value a token or a quoted string. An offer that does not
 * parse is left out (so it is declined, never fatal); parsing resumes at the next comma.
 */
final class ExtensionOffers {

    /** One offered extension. */
    record Offer(String name, List<Param> params) {
    }

    /** A parameter; {@code value} is null when it has none. */
    record Param(String name, String value) {
    }

    private final String text;
    private int pos;

    private ExtensionOffers(String text) {
        this.text = text;
    }

    /** The well-formed offers of every header line, in order. */
    static List<Offer> parse(List<String> headerValues) {
        List<Offer> offers = new ArrayList<>();
        for (String value : headerValues) {
            new ExtensionOffers(value).parseInto(offers);
        }
        return offers;
    }

    private void parseInto(List<Offer> offers) {
        while (pos < text.length()) {
            int start = pos;
            Offer offer = offer();
            if (offer != null) {
                offers.add(offer);
            } else {
                pos = start;
                skipToNextElement();
            }
            skipSpace();
            if (pos < text.length() && text.charAt(pos) == ',') {
                pos++;
            }
        }
    }

    /** An offer up to (not including) the next ',' or the end; null when malformed. */
    private Offer offer() {
        skipSpace();
        String name = token();
        if (name == null) {
            return null;
        }
        List<Param> params = new ArrayList<>();
        while (true) {
            skipSpace();
            if (pos >= text.length() || text.charAt(pos) == ',') {
                return new Offer(name, List.copyOf(params));
            }
            if (text.charAt(pos) != ';') {
                return null;
            }
            pos++;
            skipSpace();
            String param = token();
            if (param == null) {
                return null;
            }
            skipSpace();
            String value = null;
            if (pos < text.length() && text.charAt(pos) == '=') {
                pos++;
                skipSpace();
                value = pos < text.length() && text.charAt(pos) == '"' ? quoted() : token();
                if (value == null) {
                    return null;
                }
            }
            params.add(new Param(param, value));
        }
    }

    private String token() {
        int start = pos;
        while (pos < text.length() && isTokenChar(text.charAt(pos))) {
            pos++;
        }
        return pos > start ? text.substring(start, pos) : null;
    }

    /** A quoted string whose content, unescaped, must itself be a token (§9.1). */
    private String quoted() {
        StringBuilder value = new StringBuilder();
        pos++; // opening quote
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c == '"') {
                if (value.length() == 0) {
                    return null;
                }
                for (int i = 0; i < value.length(); i++) {
                    if (!isTokenChar(value.charAt(i))) {
                        return null;
                    }
                }
                return value.toString();
            }
            if (c == '\\') {
                if (pos >= text.length()) {
                    return null;
                }
                c = text.charAt(pos++);
            }
            value.append(c);
        }
        return null; // unterminated
    }

    /** Moves past the rest of a malformed element: to the next ',' outside a quoted string. */
    private void skipToNextElement() {
        boolean quoted = false;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (quoted && c == '\\') {
                pos += 2;
                continue;
            }
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                return;
            }
            pos++;
        }
    }

    private void skipSpace() {
        while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\t')) {
            pos++;
        }
    }

    /** RFC 9110 §5.6.2 tchar. */
    private static boolean isTokenChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
