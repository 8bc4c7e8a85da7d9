package io.carbon.config;

import java.time.Duration;

/**
 * TLS on {@code https_port} (the certificate paths are in {@link NetworkConfig}).
 *
 * @param redirectToHttps       {@code redirect_to_https}: the plain port answers every request with a 301 to HTTPS
 * @param hstsMaxAge            {@code hsts_max_age}: seconds of Strict-Transport-Security; 0 = header not sent
 * @param hstsIncludeSubdomains {@code hsts_include_subdomains}
 * @param hstsPreload           {@code hsts_preload}
 * @param sessionCacheSize      {@code tls_session_cache_size}: TLS sessions kept for resumption
 * @param sessionTimeout        {@code tls_session_timeout}: how long a session (or ticket) can be resumed
 * @param handshakeTimeout      {@code tls_handshake_timeout}: a TLS handshake not done by then is closed
 * @param stapling              {@code ssl_stapling}: staple the certificate's OCSP response (RFC 6066 §8) when
 *                              the certificate names a responder
 * @param selfSignedForWebTransport {@code self_signed_for_webtransport}: the development certificate Carbon
 *                              generates (and renews) is one a browser accepts by its hash for WebTransport's
 *                              {@code serverCertificateHashes}: ECDSA P-256, valid 13 days instead of 397
 */
public record TlsConfig(
        boolean redirectToHttps,
        int hstsMaxAge,
        boolean hstsIncludeSubdomains,
        boolean hstsPreload,
        int sessionCacheSize,
        Duration sessionTimeout,
        Duration handshakeTimeout,
        boolean stapling,
        boolean selfSignedForWebTransport) {

    /** Without {@code self_signed_for_webtransport} (its default, false). */
    public TlsConfig(boolean redirectToHttps, int hstsMaxAge, boolean hstsIncludeSubdomains, boolean hstsPreload,
                     int sessionCacheSize, Duration sessionTimeout, Duration handshakeTimeout, boolean stapling) {
        this(redirectToHttps, hstsMaxAge, hstsIncludeSubdomains, hstsPreload, sessionCacheSize, sessionTimeout,
                handshakeTimeout, stapling, false);
    }

    /** The Strict-Transport-Security value, or the empty string when HSTS is off. */
    public String hstsHeader() {
        if (hstsMaxAge <= 0) {
            return "";
        }
        return "max-age=" + hstsMaxAge + (hstsIncludeSubdomains ? "; includeSubDomains" : "")
                + (hstsPreload ? "; preload" : "");
    }
}
