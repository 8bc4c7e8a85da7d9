package io.carbon.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.Headers;
import io.netty.util.AsciiString;

import java.util.List;
import java.util.Map;

/**
 * Turns the header block of an HTTP/2 or HTTP/3 request (pseudo-header fields first, then lower-case fields)
 * into the common {@link Request}, or says why it is malformed: a stream error of type PROTOCOL_ERROR on
 * HTTP/2 (RFC 9113 §8.1.1), H3_MESSAGE_ERROR on HTTP/3 (RFC 9114 §4.1.2), whose request rules are the same
 * (RFC 9114 §4.3.1 and §4.4 follow RFC 9113 §8.3.1 and §8.5; RFC 9220 follows RFC 8441). Netty 4.2.18's decoder (validateHeaders,
 * validateRequiredPseudoHeaders) already rejects missing, empty or duplicate pseudo-headers, unknown or
 * response pseudo-headers, pseudo-headers after regular ones, uppercase names, connection-specific fields, TE
 * other than "trailers" and values with NUL/CR/LF or edge whitespace (shown by Http2FramesTest). It lets
 * through, and this class rejects: a :path not starting with '/' (or '*' other than for OPTIONS), :protocol
 * without extended CONNECT, CONNECT with :scheme/:path, and a Host that differs from :authority. The
 * duplicate and value checks here are kept as a cheap second line in case the codec is built differently.
 */
public final class FramedRequests {

    private static final AsciiString METHOD = AsciiString.cached(":method");
    private static final AsciiString SCHEME = AsciiString.cached(":scheme");
    private static final AsciiString AUTHORITY = AsciiString.cached(":authority");
    private static final AsciiString PATH = AsciiString.cached(":path");
    private static final AsciiString PROTOCOL = AsciiString.cached(":protocol");

    /**
     * A request, or the reason it is malformed.
     *
     * @param protocol the {@code :protocol} of an extended CONNECT (RFC 8441 §4), else null
     */
    public record Parsed(Request request, String malformed, CharSequence protocol) {
        static Parsed reject(String why) {
            return new Parsed(null, why, null);
        }
    }

    private FramedRequests() {
    }

    /**
     * @param protocol        HTTP/2 or HTTP/3
     * @param extendedConnect true when SETTINGS_ENABLE_CONNECT_PROTOCOL was sent (a route tunnels), so a
     *                        CONNECT with {@code :protocol} is an extended CONNECT rather than malformed
     */
    public static Parsed parse(Headers<CharSequence, CharSequence, ?> headers, HttpProtocol protocol,
                               ClientConnection connection, boolean extendedConnect) {
        // One pass over the block: the pseudo-header fields, counted (each must occur once at most), and the
        // regular fields, converted. A block that turns out malformed is refused whatever was converted.
        CharSequence methodName = null;
        CharSequence scheme = null;
        CharSequence authority = null;
        CharSequence path = null;
        CharSequence connectProtocol = null;
        int methods = 0;
        int schemes = 0;
        int authorities = 0;
        int paths = 0;
        int protocols = 0;
        HttpHeaders converted = new DefaultHttpHeaders();
        StringBuilder cookies = null;
        for (Map.Entry<CharSequence, CharSequence> field : headers) {
            CharSequence name = field.getKey();
            CharSequence value = field.getValue();
            if (name.length() > 0 && name.charAt(0) == ':') {
                if (METHOD.contentEquals(name)) {
                    methodName = value;
                    methods++;
                } else if (PATH.contentEquals(name)) {
                    path = value;
                    paths++;
                } else if (SCHEME.contentEquals(name)) {
                    scheme = value;
                    schemes++;
                } else if (AUTHORITY.contentEquals(name)) {
                    if (authorities++ == 0) {
                        authority = value;
                    }
                } else if (PROTOCOL.contentEquals(name)) {
                    connectProtocol = value;
                    protocols++;
                }
                continue;
            }
            if (!validValue(value)) {
                // RFC 9113 §8.2.1: NUL, CR, LF anywhere, or whitespace at either end, make it malformed.
                return Parsed.reject("invalid value for " + name);
            }
            if (HttpHeaderNames.COOKIE.contentEquals(name)) {
                // RFC 9113 §8.2.3: crumbs split over several fields are joined with "; " for HTTP/1.1 semantics.
                cookies = cookies == null ? new StringBuilder() : cookies.append("; ");
                cookies.append(value);
                continue;
            }
            converted.add(name, value);
        }
        if (methods != 1) {
            return Parsed.reject("exactly one :method is required");
        }
        HttpMethod method;
        try {
            method = HttpMethod.valueOf(methodName.toString());
        } catch (IllegalArgumentException e) {
            return Parsed.reject("invalid :method");
        }
        if (authorities > 1) {
            return Parsed.reject("more than one :authority");
        }
        String target;
        if (HttpMethod.CONNECT.equals(method) && extendedConnect && protocols > 0) {
            // (connectProtocol stays set only here: every other path with a :protocol is refused)
            // RFC 8441 §4: an extended CONNECT carries :protocol, :scheme, :path and :authority, exactly once.
            if (protocols != 1 || authority == null || schemes != 1 || paths != 1
                    || path.length() == 0 || path.charAt(0) != '/') {
                return Parsed.reject("malformed extended CONNECT");
            }
            target = path.toString();
        } else if (HttpMethod.CONNECT.equals(method)) {
            // RFC 9113 §8.5: CONNECT has :authority and neither :scheme nor :path. Without
            // SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3), a :protocol makes the request malformed.
            if (authority == null || schemes > 0 || paths > 0 || protocols > 0) {
                return Parsed.reject("malformed CONNECT");
            }
            target = authority.toString();
        } else {
            // RFC 9113 §8.3.1: exactly one :method, :scheme and :path; :protocol only with CONNECT.
            if (protocols > 0) {
                return Parsed.reject(":protocol without CONNECT");
            }
            if (schemes != 1) {
                return Parsed.reject("exactly one :scheme is required");
            }
            if (paths != 1 || path.length() == 0) {
                return Parsed.reject("exactly one non-empty :path is required");
            }
            target = path.toString();
            boolean asterisk = "*".equals(target) && HttpMethod.OPTIONS.equals(method);
            if (!asterisk && target.charAt(0) != '/') {
                return Parsed.reject(":path must start with '/' (or be '*' for OPTIONS)");
            }
        }
        if (cookies != null) {
            converted.set(HttpHeaderNames.COOKIE, cookies.toString());
        }
        if (authority != null) {
            List<String> hosts = converted.getAll(HttpHeaderNames.HOST);
            // RFC 9113 §8.3.1: a Host that names another entity than :authority is treated as malformed.
            if (hosts.size() > 1 || (hosts.size() == 1 && !AsciiString.contentEqualsIgnoreCase(hosts.get(0), authority))) {
                return Parsed.reject("Host differs from :authority");
            }
            converted.set(HttpHeaderNames.HOST, authority);
        }
        return new Parsed(Request.of(method, target, converted, protocol, connection,
                connectProtocol == null ? null : connectProtocol.toString()), null, connectProtocol);
    }

    private static boolean validValue(CharSequence value) {
        int length = value.length();
        if (length == 0) {
            return true;
        }
        if (isWhitespace(value.charAt(0)) || isWhitespace(value.charAt(length - 1))) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c == 0 || c == '\r' || c == '\n') {
                return false;
            }
        }
        return true;
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t';
    }
}
