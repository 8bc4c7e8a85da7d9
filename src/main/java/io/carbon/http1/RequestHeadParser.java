package io.carbon.http1;

import io.carbon.http.ClientConnection;
import io.carbon.http.HttpProtocol;
import io.carbon.http.Request;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Checks a decoded HTTP/1.x request head against RFC 9112 and turns it into the common {@link Request}.
 * Every rejection is a framing problem, so the connection closes after the error response.
 */
final class RequestHeadParser {

    /** RFC 3986 §3.2.2 reg-name characters besides ALPHA / DIGIT: unreserved and sub-delims. */
    private static final String REG_NAME_SYMBOLS = "-._~!$&'()*+,;=";

    /**
     * RFC 3986 host with optional port ({@code uri-host [":" port]}): a reg-name or IPv4 address with
     * pct-encoding allowed, or an IP literal in brackets. Hand-written because it runs on every request and a
     * regular expression here cost more than the rest of the parsing.
     */
    static boolean validHost(String value) {
        int n = value.length();
        int i = 0;
        if (n > 0 && value.charAt(0) == '[') {
            int close = value.indexOf(']');
            if (close < 2) {
                return false;
            }
            for (i = 1; i < close; i++) {
                char c = value.charAt(i);
                if (!(Character.digit(c, 16) >= 0 && c < 128) && c != ':' && c != '.') {
                    return false;
                }
            }
            i = close + 1;
            return i == n || (value.charAt(i) == ':' && digits(value, i + 1));
        }
        while (i < n) {
            char c = value.charAt(i);
            if (c == ':') {
                return digits(value, i + 1);
            }
            if (c == '%') {
                if (i + 2 >= n || !hex(value.charAt(i + 1)) || !hex(value.charAt(i + 2))) {
                    return false;
                }
                i += 3;
                continue;
            }
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (!alnum && REG_NAME_SYMBOLS.indexOf(c) < 0) {
                return false;
            }
            i++;
        }
        return true;
    }

    private static boolean digits(String value, int from) {
        for (int i = from; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean hex(char c) {
        return c < 128 && Character.digit(c, 16) >= 0;
    }

    /** The outcome: a request, or the status to answer with before closing. */
    record Result(Request request, HttpResponseStatus error, String reason) {
        static Result ok(Request request) {
            return new Result(request, null, null);
        }

        static Result reject(HttpResponseStatus status, String reason) {
            return new Result(null, status, reason);
        }

        boolean failed() {
            return error != null;
        }
    }

    private RequestHeadParser() {
    }

    static Result parse(HttpRequest head, ClientConnection connection) {
        DecoderResult decoded = head.decoderResult();
        if (decoded.isFailure()) {
            // Netty refuses some transfer codings it cannot frame; RFC 9112 §6.1 says which status that is.
            Result framing = decoded.cause() instanceof TooLongHttpLineException
                    || decoded.cause() instanceof TooLongHttpHeaderException ? null
                    : checkFraming(head.headers(), head.protocolVersion().minorVersion() == 0);
            return framing != null ? framing : decoderFailure(decoded.cause());
        }
        HttpVersion version = head.protocolVersion();
        // RFC 9110 §2.5: a higher minor version of HTTP/1 is answered as the highest we implement.
        if (!"HTTP".equals(version.protocolName()) || version.majorVersion() != 1) {
            return Result.reject(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
                    "HTTP/1.0 and HTTP/1.1 are supported on this port");
        }
        boolean http10 = version.minorVersion() == 0;
        HttpHeaders headers = head.headers();

        Result framing = checkFraming(headers, http10);
        if (framing != null) {
            return framing;
        }

        String target = head.uri();
        HttpMethod method = head.method();
        List<String> hosts = headers.getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1) {
            return Result.reject(HttpResponseStatus.BAD_REQUEST, "more than one Host header");
        }
        if (hosts.isEmpty() && !http10) {
            // RFC 9112 §3.2: a server MUST respond with 400 to an HTTP/1.1 request that lacks Host.
            return Result.reject(HttpResponseStatus.BAD_REQUEST, "missing Host header");
        }
        if (!hosts.isEmpty() && !validHost(hosts.get(0))) {
            return Result.reject(HttpResponseStatus.BAD_REQUEST, "invalid Host header");
        }

        if (target.startsWith("http://") || target.startsWith("https://")) {
            // RFC 9112 §3.2.2: absolute-form; its authority replaces Host.
            int authorityStart = target.indexOf("//") + 2;
            int pathStart = target.indexOf('/', authorityStart);
            String authority = pathStart < 0 ? target.substring(authorityStart) : target.substring(authorityStart, pathStart);
            if (authority.isEmpty() || authority.contains("@") || !validHost(authority)) {
                return Result.reject(HttpResponseStatus.BAD_REQUEST, "invalid absolute-form target");
            }
            headers.set(HttpHeaderNames.HOST, authority);
            target = pathStart < 0 ? "/" : target.substring(pathStart);
        } else if ("*".equals(target)) {
            if (!HttpMethod.OPTIONS.equals(method)) {
                return Result.reject(HttpResponseStatus.BAD_REQUEST, "asterisk-form is only for OPTIONS");
            }
        } else if (!target.startsWith("/") && !HttpMethod.CONNECT.equals(method)) {
            return Result.reject(HttpResponseStatus.BAD_REQUEST, "request target must start with /");
        }
        HttpProtocol protocol = http10 ? HttpProtocol.HTTP_1_0 : HttpProtocol.HTTP_1_1;
        return Result.ok(Request.of(method, target, headers, protocol, connection, null));
    }

    /** Transfer codings of the HTTP registry that are not chunked: known, but not implemented here. */
    private static final Set<String> KNOWN_CODINGS = Set.of("gzip", "x-gzip", "deflate", "compress", "x-compress");

    /**
     * RFC 9112 §6: one unambiguous way to find where the body ends. Only chunked is implemented; a coding this
     * server does not understand is 501 (§6.1, as nginx answers), a known one whose body length cannot be
     * determined because chunked is not final is 400 (§6.3), and chunked applied twice is 400 (§7).
     */
    private static Result checkFraming(HttpHeaders headers, boolean http10) {
        List<String> fields = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (fields.isEmpty()) {
            return null;
        }
        if (http10) {
            // §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
            return Result.reject(HttpResponseStatus.BAD_REQUEST, "Transfer-Encoding in an HTTP/1.0 request");
        }
        List<String> codings = new ArrayList<>();
        for (String field : fields) {
            for (String coding : field.split(",")) {
                int parameters = coding.indexOf(';');
                codings.add((parameters < 0 ? coding : coding.substring(0, parameters)).trim()
                        .toLowerCase(Locale.ROOT));
            }
        }
        boolean unknown = false;
        int chunked = 0;
        for (String coding : codings) {
            if (coding.equals("chunked")) {
                chunked++;
            } else if (!KNOWN_CODINGS.contains(coding)) {
                unknown = true;
            }
        }
        if (unknown) {
            return Result.reject(HttpResponseStatus.NOT_IMPLEMENTED, "unknown transfer coding");
        }
        if (chunked != 1 || !codings.get(codings.size() - 1).equals("chunked")) {
            return Result.reject(HttpResponseStatus.BAD_REQUEST, "chunked is not the final transfer coding, once");
        }
        if (codings.size() > 1) {
            return Result.reject(HttpResponseStatus.NOT_IMPLEMENTED, "transfer codings other than chunked");
        }
        return null;
    }

    private static Result decoderFailure(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return Result.reject(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return Result.reject(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "header section too large");
        }
        if (cause != null && StrictRequestDecoder.BOTH_LENGTHS.equals(cause.getMessage())) {
            return Result.reject(HttpResponseStatus.BAD_REQUEST, StrictRequestDecoder.BOTH_LENGTHS);
        }
        return Result.reject(HttpResponseStatus.BAD_REQUEST, "malformed request");
    }
}
