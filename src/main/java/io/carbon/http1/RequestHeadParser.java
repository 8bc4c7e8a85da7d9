package io.carbon.http1;

import io.carbon.http.Request;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Checks a decoded HTTP/1.x request head against RFC 9112 and turns it into the common {@link Request}.
 * Every rejection is a framing problem, so the connection closes after the error response.
 */
final class RequestHeadParser {

    /** RFC 3986 host with optional port: reg-name / IPv4, or an IP literal in brackets. */
    private static final Pattern HOST = Pattern.compile(
            "(?:[A-Za-z0-9\\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*|\\[[0-9A-Fa-f:.]+\\](?::[0-9]*)?"
                    + "|(?:[A-Za-z0-9\\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*:[0-9]*");

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

    static Result parse(HttpRequest head, InetSocketAddress remote, boolean secure) {
        DecoderResult decoded = head.decoderResult();
        if (decoded.isFailure()) {
            return decoderFailure(decoded.cause());
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
        if (!hosts.isEmpty() && !HOST.matcher(hosts.get(0)).matches()) {
            return Result.reject(HttpResponseStatus.BAD_REQUEST, "invalid Host header");
        }

        if (target.startsWith("http://") || target.startsWith("https://")) {
            // RFC 9112 §3.2.2: absolute-form; its authority replaces Host.
            int authorityStart = target.indexOf("//") + 2;
            int pathStart = target.indexOf('/', authorityStart);
            String authority = pathStart < 0 ? target.substring(authorityStart) : target.substring(authorityStart, pathStart);
            if (authority.isEmpty() || authority.contains("@") || !HOST.matcher(authority).matches()) {
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
        String protocol = http10 ? "HTTP/1.0" : "HTTP/1.1";
        return Result.ok(Request.of(method, target, headers, protocol, remote, secure));
    }

    /** RFC 9112 §6: one unambiguous way to find where the body ends. */
    private static Result checkFraming(HttpHeaders headers, boolean http10) {
        List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (codings.isEmpty()) {
            return null;
        }
        if (http10) {
            // §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
            return Result.reject(HttpResponseStatus.BAD_REQUEST, "Transfer-Encoding in an HTTP/1.0 request");
        }
        if (codings.size() != 1 || !HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(codings.get(0).trim())) {
            // §6.1: chunked must be final; other codings are not implemented here.
            return Result.reject(HttpResponseStatus.NOT_IMPLEMENTED, "unsupported Transfer-Encoding");
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
