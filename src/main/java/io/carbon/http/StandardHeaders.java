package io.carbon.http;

import io.carbon.config.SecurityHeadersConfig;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

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
    private static final AsciiString ALT_SVC = AsciiString.cached("alt-svc");

    /** Set on every response whatever the feature put there; the security headers only fill gaps. */
    private static final Set<AsciiString> ALWAYS_OURS =
            Set.of(HttpHeaderNames.DATE, HttpHeaderNames.SERVER, STRICT_TRANSPORT_SECURITY);

    private final List<CharSequence[]> securityHeaders;
    private final AsciiString hsts;
    private final Supplier<String> altSvc;
    private volatile Stamp stamp = new Stamp(0, null, null);

    /**
     * The fields of one second, formatted at most once per second across all threads.
     *
     * @param plain  Date, Server and the security headers
     * @param secure the same with Strict-Transport-Security first (over TLS)
     */
    private record Stamp(long second, PreparedHeaders plain, PreparedHeaders secure) { }

    /**
     * @param config the security headers
     * @param hsts   the Strict-Transport-Security value, sent only over TLS (RFC 6797 §7.2); empty = none
     */
    public StandardHeaders(SecurityHeadersConfig config, String hsts) {
        this(config, hsts, () -> null);
    }

    /**
     * @param altSvc the Alt-Svc value advertising HTTP/3 (RFC 7838), sent only over TLS, or null while there is
     *               none (HTTP/3 off, or not listening); read once a second
     */
    public StandardHeaders(SecurityHeadersConfig config, String hsts, Supplier<String> altSvc) {
        this.hsts = hsts.isEmpty() ? null : AsciiString.cached(hsts);
        this.altSvc = altSvc;
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
        fields(secure).forEach((name, value) -> {
            if (ALWAYS_OURS.contains(name) || !headers.contains(name)) {
                headers.set(name, value);
            }
        });
    }

    /**
     * What {@link #apply} adds, as HTTP/1.1 header lines ({@code name: value\r\n}), for a response whose
     * other fields are all {@link PreparedHeaders} (none of them is a standard one). Shared; not to be changed.
     */
    public byte[] http1Lines(boolean secure) {
        return fields(secure).http1Lines();
    }

    /** What {@link #apply} adds, as prepared fields of the current second. */
    public PreparedHeaders fields(boolean secure) {
        Stamp now = stamp();
        return secure ? now.secure() : now.plain();
    }

    private Stamp stamp() {
        long second = System.currentTimeMillis() / 1000;
        Stamp current = stamp;
        if (current.second() != second) {
            String date = DateFormatter.format(new Date(second * 1000));
            current = new Stamp(second, fields(date, false), fields(date, true));
            stamp = current;
        }
        return current;
    }

    private PreparedHeaders fields(String date, boolean secure) {
        PreparedHeaders.Builder lines = PreparedHeaders.builder();
        if (secure && hsts != null) {
            lines.add(STRICT_TRANSPORT_SECURITY, hsts);
        }
        String alternative = secure ? altSvc.get() : null;
        if (alternative != null) {
            lines.add(ALT_SVC, alternative);
        }
        lines.add(HttpHeaderNames.DATE, date).add(HttpHeaderNames.SERVER, SERVER);
        for (CharSequence[] header : securityHeaders) {
            lines.add(header[0], header[1]);
        }
        return lines.build();
    }
}
