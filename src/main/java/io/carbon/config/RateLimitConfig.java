package io.carbon.config;

import java.time.Duration;
import java.util.List;

/**
 * The per-client request rate limit (a token bucket per address).
 *
 * @param requests   {@code rate_limit_requests}: requests each client may make per window, sustained; 0 = off
 * @param window     {@code rate_limit_window}: the window {@code requests} is counted over
 * @param burst      {@code rate_limit_burst}: requests a client may make at once (the bucket's size)
 * @param allowlist  {@code rate_limit_allowlist}: addresses never limited
 * @param ipv6Prefix {@code rate_limit_ipv6_prefix}: IPv6 clients are counted per block of this prefix length
 * @param maxTracked {@code rate_limit_max_tracked}: client addresses remembered at most
 * @param trustedProxies {@code trusted_proxies}: peers whose Forwarded / X-Forwarded-For names the client
 * @param messages   {@code rate_limit_messages}: WebSocket messages and channel publishes per window; 0 = off
 * @param messageBurst {@code rate_limit_message_burst}: messages a client may send at once
 * @param proxyProtocol {@code proxy_protocol}: every TCP connection starts with a PROXY protocol header from a
 *                      trusted proxy, which names the client
 */
public record RateLimitConfig(int requests, Duration window, int burst, List<Cidr> allowlist, int ipv6Prefix,
                              int maxTracked, List<Cidr> trustedProxies, int messages, int messageBurst,
                              boolean proxyProtocol) {

    public RateLimitConfig {
        allowlist = List.copyOf(allowlist);
        trustedProxies = List.copyOf(trustedProxies);
    }

    public boolean enabled() {
        return requests > 0;
    }

    /** The same limits applied to messages: {@code rate_limit_messages} per window after a burst. */
    public RateLimitConfig forMessages() {
        return new RateLimitConfig(messages, window, messageBurst, allowlist, ipv6Prefix, maxTracked, trustedProxies,
                messages, messageBurst, proxyProtocol);
    }
}
