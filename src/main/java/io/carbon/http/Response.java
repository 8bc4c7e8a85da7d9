package io.carbon.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.nio.charset.StandardCharsets;

/**
 * A response as features produce it, before any protocol framing. The branch adds {@code Date},
 * {@code Server} and the security headers, and frames the body ({@code Content-Length} is set from
 * {@link Body#length()} unless the feature set it, e.g. for HEAD).
 */
public final class Response {

    private final HttpResponseStatus status;
    private HttpHeaders headers;
    /** Set while the header fields are only the prepared ones; null once {@link #headers()} was asked for. */
    private PreparedHeaders prepared;
    private final Body body;
    private boolean closeConnection;
    private Tunnel tunnel;
    private Session session;
    private boolean fromCache;

    public Response(HttpResponseStatus status, HttpHeaders headers, Body body) {
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    /**
     * A response whose header fields were rendered once for many responses (a cached file's). The map of
     * {@link #headers()} is made from them only when someone asks for it; until then an HTTP/1.1 branch can
     * copy their wire form as is.
     */
    public Response(HttpResponseStatus status, PreparedHeaders prepared, Body body) {
        this.status = status;
        this.prepared = prepared;
        this.body = body;
    }

    private static final DefaultHttpHeadersFactory TRUSTED = DefaultHttpHeadersFactory.headersFactory()
            .withValidation(false);

    /**
     * Headers without Netty's per-field validation, for responses whose every name and value Carbon made
     * itself or took from validated configuration (never from a request): validation was a visible share
     * of the cost of a cached response.
     */
    public static HttpHeaders trustedHeaders() {
        return TRUSTED.newHeaders();
    }

    public static Response of(HttpResponseStatus status) {
        return new Response(status, new DefaultHttpHeaders(), Body.EMPTY);
    }

    /** A plain-text response, for small built-in answers. */
    public static Response text(HttpResponseStatus status, String text) {
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        return new Response(status, headers, Body.of(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
    }

    public HttpResponseStatus status() {
        return status;
    }

    /** The header map, to read or change; for a prepared response it is made (once) on the first call. */
    public HttpHeaders headers() {
        if (headers == null) {
            headers = trustedHeaders();
            prepared.addTo(headers);
            prepared = null;
        }
        return headers;
    }

    /**
     * The prepared header fields, when they are still all there is: null for a response built with a map,
     * and once {@link #headers()} was called (the map may have been changed since).
     */
    public PreparedHeaders prepared() {
        return prepared;
    }

    public Body body() {
        return body;
    }

    /** True when the connection must close after this response (framing errors, shutdown). */
    public boolean closeConnection() {
        return closeConnection;
    }

    public Response closeConnection(boolean close) {
        this.closeConnection = close;
        return this;
    }

    /** What takes the exchange over once this head is sent (with the protocol's tunnel status), or null. */
    public Tunnel tunnel() {
        return tunnel;
    }

    public Response tunnel(Tunnel tunnel) {
        this.tunnel = tunnel;
        return this;
    }

    /** The multiplexed session an extended CONNECT opens once this 2xx head is sent (WebTransport), or null. */
    public Session session() {
        return session;
    }

    public Response session(Session session) {
        this.session = session;
        return this;
    }

    /** True when the body is served from the file cache's memory (for metrics and logs). */
    public boolean fromCache() {
        return fromCache;
    }

    public Response fromCache(boolean fromCache) {
        this.fromCache = fromCache;
        return this;
    }
}
