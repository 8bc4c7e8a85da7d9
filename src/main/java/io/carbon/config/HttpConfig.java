package io.carbon.config;

import java.time.Duration;

/**
 * Protocol limits and timeouts shared by every HTTP version.
 *
 * @param keepAliveTimeout     {@code keep_alive_timeout}: an idle keep-alive connection is closed after this
 * @param headerTimeout        {@code header_timeout}: a request head must arrive completely within this
 * @param maxRequestLineLength {@code max_request_line}: longer request lines get 414
 * @param maxHeaderSize        {@code max_header_size}: larger header sections get 431
 * @param maxBodySize          {@code max_body_size}: larger request bodies get 413
 * @param maxPipelinedRequests {@code max_pipelined_requests}: requests read ahead on one HTTP/1.1 connection
 * @param maxRequestsPerConnection {@code max_requests_per_connection}: after this many requests (HTTP/1.1) or
 *                             streams (HTTP/2) a connection is drained and closed; 0 = no limit
 * @param maxConnectionAge     {@code max_connection_age}: a connection older than this is drained and closed;
 *                             zero = no limit
 * @param sendTimeout          {@code send_timeout}: a connection whose client takes no byte for this long is closed
 * @param securityHeaders      headers added to every response
 */
public record HttpConfig(
        Duration keepAliveTimeout,
        Duration headerTimeout,
        int maxRequestLineLength,
        int maxHeaderSize,
        long maxBodySize,
        int maxPipelinedRequests,
        int maxRequestsPerConnection,
        Duration maxConnectionAge,
        Duration sendTimeout,
        SecurityHeadersConfig securityHeaders) {
}
