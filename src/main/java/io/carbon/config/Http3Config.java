package io.carbon.config;

import java.time.Duration;

/**
 * HTTP/3 over QUIC ({@code enable_http3}, which needs {@code use_https}): the UDP listener and its QUIC
 * transport parameters.
 *
 * @param enabled           {@code enable_http3}: serve HTTP/3 on UDP and advertise it with Alt-Svc
 * @param port              {@code http3_port}: the UDP port; 0 = the HTTPS port's number (browsers expect it there)
 * @param altSvcMaxAge      {@code http3_alt_svc_max_age}: how long clients may remember the advertisement (ma=)
 * @param idleTimeout       {@code http3_idle_timeout}: QUIC max_idle_timeout; an idle connection is closed after it
 * @param maxStreams        {@code http3_max_streams}: concurrent request streams a client may open per connection
 * @param streamWindow      {@code http3_stream_window}: flow-control credit per stream, each direction (bytes)
 * @param connectionWindow  {@code http3_connection_window}: flow-control credit per connection (bytes)
 * @param congestionControl {@code http3_congestion_control}: the sender's congestion controller
 * @param retry             {@code http3_retry}: validate every client address with a Retry round trip first
 *                          (RFC 9000 §8.1) using HMAC-signed, expiring tokens
 * @param udpBufferSize     {@code http3_udp_buffer_size}: SO_RCVBUF and SO_SNDBUF of the UDP socket (bytes)
 * @param webTransport      {@code enable_webtransport}: WebTransport sessions on the WebSocket endpoints
 * @param webTransportMaxSessions {@code webtransport_max_sessions}: sessions one QUIC connection may have open
 * @param webTransportMaxStreams  {@code webtransport_max_streams}: streams one session may have open
 */
public record Http3Config(boolean enabled, int port, Duration altSvcMaxAge, Duration idleTimeout, int maxStreams,
                          int streamWindow, long connectionWindow, CongestionControl congestionControl, boolean retry,
                          int udpBufferSize, boolean webTransport, int webTransportMaxSessions,
                          int webTransportMaxStreams) {

    /** The values of {@code http3_congestion_control}. */
    public enum CongestionControl { CUBIC, RENO, BBR }

    /** HTTP/3 off, with the defaults (code-built configurations). */
    public static final Http3Config OFF = new Http3Config(false, 0, Duration.ofDays(1), Duration.ofSeconds(30), 100,
            1024 * 1024, 16L * 1024 * 1024, CongestionControl.CUBIC, true, 4 * 1024 * 1024, false, 16, 256);
}
