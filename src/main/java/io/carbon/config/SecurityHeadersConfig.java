package io.carbon.config;

/**
 * Carbon's security headers. An empty string turns one header off; {@code enabled = false} turns all off.
 *
 * @param enabled               {@code security_headers}
 * @param contentTypeOptions    {@code x_content_type_options} (nosniff)
 * @param frameOptions          {@code x_frame_options} (SAMEORIGIN)
 * @param referrerPolicy        {@code referrer_policy} (strict-origin-when-cross-origin)
 * @param contentSecurityPolicy {@code content_security_policy} (default-src 'self')
 */
public record SecurityHeadersConfig(
        boolean enabled,
        String contentTypeOptions,
        String frameOptions,
        String referrerPolicy,
        String contentSecurityPolicy) {
}
