package io.carbon.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * One request as every protocol branch hands it to the router: HTTP/1.1, HTTP/2 and HTTP/3 all translate
 * into this, so features are written once.
 *
 * @param method        the request method
 * @param target        the request target exactly as received (origin form, or {@code *} for OPTIONS)
 * @param rawPath       the target's path, still percent-encoded, without the query
 * @param query         the query without the '?', or null when absent
 * @param headers       request headers (for HTTP/2, {@code :authority} is exposed as {@code Host})
 * @param protocol      the protocol it arrived on
 * @param connection    the client's connection (its address, TLS)
 * @param startNanos    {@link System#nanoTime()} when the request head was complete
 * @param body          the request body when the branch read it for a handler that needs it (a POST publishing to
 *                      a channel), read-only and bounded by that handler's limit; null when the branch did not
 *                      deliver a body (it was absent, or discarded as for static files)
 * @param connectProtocol the {@code :protocol} of an extended CONNECT on HTTP/2 or HTTP/3 (RFC 8441 §4, RFC 9220),
 *                      which asks for a {@link Tunnel}; null otherwise (HTTP/1.1 asks with {@code Upgrade})
 */
public record Request(
        HttpMethod method,
        String target,
        String rawPath,
        String query,
        HttpHeaders headers,
        HttpProtocol protocol,
        ClientConnection connection,
        long startNanos,
        ByteBuffer body,
        String connectProtocol) {

    public Request {
        body = body == null ? null : body.asReadOnlyBuffer();
    }

    /** Splits a request target into path and query; the path of {@code *} is {@code *}. */
    public static Request of(HttpMethod method, String target, HttpHeaders headers, HttpProtocol protocol,
                             InetSocketAddress remoteAddress, boolean secure) {
        return of(method, target, headers, protocol, ClientConnection.accepted(remoteAddress, secure), null);
    }

    /** A request on {@code connection}; {@code connectProtocol} for an extended CONNECT, else null. */
    public static Request of(HttpMethod method, String target, HttpHeaders headers, HttpProtocol protocol,
                             ClientConnection connection, String connectProtocol) {
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        String query = q < 0 ? null : target.substring(q + 1);
        int hash = path.indexOf('#');
        if (hash >= 0) {
            path = path.substring(0, hash);
        }
        return new Request(method, target, path, query, headers, protocol, connection, System.nanoTime(),
                null, connectProtocol);
    }

    /**
     * The same request carrying {@code body}: what a branch does once it has read a body that a handler wants
     * (its route's {@link BodyPolicy} buffers it). The bytes are not copied; the caller must not change them afterwards.
     */
    public Request withBody(ByteBuffer body) {
        return new Request(method, target, rawPath, query, headers, protocol, connection, startNanos, body,
                connectProtocol);
    }

    /** The body from its first byte (a fresh read-only view on each call), or null when none was delivered. */
    @Override
    public ByteBuffer body() {
        return body == null ? null : body.duplicate();
    }

    /** The same request from {@code connection} (a client named by a trusted proxy). */
    public Request withConnection(ClientConnection connection) {
        return new Request(method, target, rawPath, query, headers, protocol, connection, startNanos, body,
                connectProtocol);
    }

    /** The client's address. */
    public InetSocketAddress remoteAddress() {
        return connection == null ? null : connection.remoteAddress();
    }

    /** True when the request arrived over TLS. */
    public boolean secure() {
        return connection != null && connection.secure();
    }

    public boolean isHead() {
        return HttpMethod.HEAD.equals(method);
    }
}
