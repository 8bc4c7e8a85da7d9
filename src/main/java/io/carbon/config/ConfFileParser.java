package io.carbon.config;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Parses the {@code key = value} format of server.conf into raw settings. Only the syntax is checked here;
 * keys and values are checked by {@link ServerConfigAssembler}.
 *
 * <p>Rules: UTF-8 (a leading BOM is skipped), LF or CRLF line endings; blank lines and lines whose first
 * non-blank character is {@code #} or {@code ;} are comments; a {@code #} preceded by whitespace starts a
 * trailing comment after an unquoted value; a value may be in single quotes (taken literally) or double quotes
 * (with {@code \"} and {@code \\} escapes); keys are case-insensitive.
 */
final class ConfFileParser {

    private ConfFileParser() {
    }

    static RawSettings parse(Path file, byte[] bytes) throws ConfigException {
        RawSettings settings = new RawSettings();
        int start = hasBom(bytes) ? 3 : 0;
        int lineNumber = 0;
        while (start <= bytes.length) {
            int end = indexOf(bytes, (byte) '\n', start);
            lineNumber++;
            String line = decode(file, lineNumber, bytes, start, end);
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            Setting setting = parseLine(Origin.at(file, lineNumber), line);
            if (setting != null) {
                settings.add(setting);
            }
            start = end + 1;
        }
        return settings;
    }

    /** One line: null for a blank or comment line. */
    static Setting parseLine(Origin origin, String line) throws ConfigException {
        String trimmed = line.strip();
        if (trimmed.isEmpty() || trimmed.startsWith("#") || trimmed.startsWith(";")) {
            return null;
        }
        int eq = line.indexOf('=');
        if (eq < 0) {
            throw origin.error(null, "expected key = value, got " + Quoting.show(trimmed));
        }
        String key = line.substring(0, eq).strip().toLowerCase(Locale.ROOT);
        if (key.isEmpty()) {
            throw origin.error(null, "expected a key before '=', got " + Quoting.show(trimmed));
        }
        return new Setting(key, value(origin, key, line.substring(eq + 1)), origin);
    }

    private static String value(Origin origin, String key, String rest) throws ConfigException {
        String stripped = rest.stripLeading();
        if (stripped.startsWith("\"")) {
            return doubleQuoted(origin, key, stripped);
        }
        if (stripped.startsWith("'")) {
            int close = stripped.indexOf('\'', 1);
            if (close < 0) {
                throw origin.error(key, "missing closing ', expected a value in matching quotes");
            }
            requireOnlyComment(origin, key, stripped.substring(close + 1));
            return stripped.substring(1, close);
        }
        // A '#' starts a comment only after whitespace, so that values such as "a#b" survive.
        for (int i = 1; i < rest.length(); i++) {
            if (rest.charAt(i) == '#' && Character.isWhitespace(rest.charAt(i - 1))) {
                return rest.substring(0, i).strip();
            }
        }
        return rest.strip();
    }

    private static String doubleQuoted(Origin origin, String key, String s) throws ConfigException {
        StringBuilder value = new StringBuilder();
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && (s.charAt(i + 1) == '"' || s.charAt(i + 1) == '\\')) {
                value.append(s.charAt(++i));
            } else if (c == '"') {
                requireOnlyComment(origin, key, s.substring(i + 1));
                return value.toString();
            } else {
                value.append(c);
            }
        }
        throw origin.error(key, "missing closing \", expected a value in matching quotes");
    }

    private static void requireOnlyComment(Origin origin, String key, String afterQuote) throws ConfigException {
        String rest = afterQuote.strip();
        if (!rest.isEmpty() && !(rest.startsWith("#") && Character.isWhitespace(afterQuote.charAt(0)))) {
            throw origin.error(key, "unexpected text " + Quoting.show(rest)
                    + " after the closing quote, expected nothing or a comment starting with \" #\"");
        }
    }

    private static boolean hasBom(byte[] b) {
        return b.length >= 3 && (b[0] & 0xff) == 0xef && (b[1] & 0xff) == 0xbb && (b[2] & 0xff) == 0xbf;
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return bytes.length;
    }

    /** Decodes one line strictly, so that a Latin-1 file is reported at the right line instead of mangled. */
    private static String decode(Path file, int line, byte[] bytes, int start, int end) throws ConfigException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, start, end - start))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(file, line, null, "invalid UTF-8, expected a UTF-8 text file");
        }
    }
}
