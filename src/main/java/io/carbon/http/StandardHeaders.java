package io.carbon.http;

import io.carbon.config.SecurityHeadersConfig;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * The headers every response carries whatever produced it: {@code Date} (RFC 9110 §6.6.1), {@code Server}
 * and Carbon's security headers. Shared by all protocol branches so that h1, h2 and h3 answer alike.
 */
public final class StandardHeaders {

    public static final AsciiString SERVER = AsciiString.cached("Carbon");
    private static final AsciiString CONTENT_SECURITY_POLICY = AsciiString.cached("content-security-policy");
    private static final AsciiString STRICT_TRANSPORT_SECURITY = AsciiString.cached("strict-transport-security");
    private static final AsciiString REFERRER_POLICY = AsciiString.cached("referrer-policy");
    private static final AsciiString CONTENT_TYPE_OPTIONS = AsciiString.cached("x-content-type-options");

    private final List<CharSequence[]> securityHeaders;
    private final AsciiString hsts;
    private final DateCache dateCache = new DateCache();

    /**
     * @param config the security headers
     * @param hsts   the Strict-Transport-Security value, sent only over TLS (RFC 6797 §7.2); empty = none
     */
    public StandardHeaders(SecurityHeadersConfig config, String hsts) {
        this.hsts = hsts.isEmpty() ? null : AsciiString.cached(hsts);
        List<CharSequence[]> headers = new ArrayList<>();
        if (config.enabled()) {
            add(headers, CONTENT_TYPE_OPTIONS, config.contentTypeOptions());
            add(headers, HttpHeaderNames.X_FRAME_OPTIONS, config.frameOptions());
            add(headers, REFERRER_POLICY, config.referrerPolicy());
            add(headers, CONTENT_SECURITY_POLICY, config.contentSecurityPolicy());
        }
        this.securityHeaders = List.copyOf(headers);
    }

    private static void add(List<CharSequence[]> headers, AsciiString name, String value) {
        if (value != null && !value.isEmpty()) {
            headers.add(new CharSequence[] {name, AsciiString.cached(value)});
        }
    }

    /** Adds Date, Server and the security headers (a feature's own value for one of them wins). */
    public void apply(HttpHeaders headers, boolean secure) {
        if (secure && hsts != null) {
            headers.set(STRICT_TRANSPORT_SECURITY, hsts);
        }
        headers.set(HttpHeaderNames.DATE, dateCache.now());
        headers.set(HttpHeaderNames.SERVER, SERVER);
        for (CharSequence[] header : securityHeaders) {
            if (!headers.contains(header[0])) {
                headers.set(header[0], header[1]);
            }
        }
    }

    /** IMF-fixdate of the current second, formatted at most once per second across all threads. */
    private static final class DateCache {
        private volatile Entry current = new Entry(0, "");

        private record Entry(long second, String formatted) { }

        String now() {
            long millis = System.currentTimeMillis();
            long second = millis / 1000;
            Entry entry = current;
            if (entry.second != second) {
                entry = new Entry(second, DateFormatter.format(new Date(second * 1000)));
                current = entry;
            }
            return entry.formatted;
        }
    }
}
