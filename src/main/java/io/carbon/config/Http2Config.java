package io.carbon.config;

import java.time.Duration;

/**
 * HTTP/2 settings (RFC 9113 §6.5.2) and abuse bounds. The header list size bound is {@code max_header_size}.
 *
 * @param enableH2c             {@code enable_h2c}: HTTP/2 without TLS on the plain port (prior knowledge and Upgrade)
 * @param maxConcurrentStreams  {@code http2_max_concurrent_streams}: SETTINGS_MAX_CONCURRENT_STREAMS; more are refused
 * @param initialWindowSize     {@code http2_initial_window_size}: SETTINGS_INITIAL_WINDOW_SIZE per stream
 * @param connectionWindowSize  {@code http2_connection_window_size}: the connection-level receive window
 * @param maxFrameSize          {@code http2_max_frame_size}: SETTINGS_MAX_FRAME_SIZE
 * @param maxResets             {@code http2_max_resets}: RST_STREAM frames a client may send per {@code resetWindow}
 *                              before the connection is closed with GOAWAY (CVE-2023-44487, rapid reset)
 * @param resetWindow           {@code http2_reset_window}
 */
public record Http2Config(
        boolean enableH2c,
        int maxConcurrentStreams,
        int initialWindowSize,
        int connectionWindowSize,
        int maxFrameSize,
        int maxResets,
        Duration resetWindow) {
}
