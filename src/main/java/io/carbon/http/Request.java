package io.carbon.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;

import java.net.InetSocketAddress;

/**
 * One request as every protocol branch hands it to the router: HTTP/1.1, HTTP/2 and HTTP/3 all translate
 * into this, so features are written once.
 *
 * @param method        the request method
 * @param target        the request target exactly as received (origin form, or {@code *} for OPTIONS)
 * @param rawPath       the target's path, still percent-encoded, without the query
 * @param query         the query without the '?', or null when absent
 * @param headers       request headers (for HTTP/2, {@code :authority} is exposed as {@code Host})
 * @param protocol      the protocol as written in the access log: {@code HTTP/1.0}, {@code HTTP/1.1}, {@code HTTP/2.0}
 * @param remoteAddress the client address
 * @param secure        true when the request arrived over TLS
 * @param startNanos    {@link System#nanoTime()} when the request head was complete
 */
public record Request(
        HttpMethod method,
        String target,
        String rawPath,
        String query,
        HttpHeaders headers,
        String protocol,
        InetSocketAddress remoteAddress,
        boolean secure,
        long startNanos) {

    /** Splits a request target into path and query; the path of {@code *} is {@code *}. */
    public static Request of(HttpMethod method, String target, HttpHeaders headers, String protocol,
                             InetSocketAddress remoteAddress, boolean secure) {
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        String query = q < 0 ? null : target.substring(q + 1);
        int hash = path.indexOf('#');
        if (hash >= 0) {
            path = path.substring(0, hash);
        }
        return new Request(method, target, path, query, headers, protocol, remoteAddress, secure, System.nanoTime());
    }

    public boolean isHead() {
        return HttpMethod.HEAD.equals(method);
    }
}
