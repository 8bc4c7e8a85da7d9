package io.carbon.http3;

import io.carbon.config.Http3Config;
import io.carbon.config.HttpConfig;
import io.netty.handler.codec.http3.DefaultHttp3SettingsFrame;
import io.netty.handler.codec.http3.Http3Settings;
import io.netty.handler.codec.http3.Http3SettingsFrame;

/**
 * The SETTINGS Carbon sends on HTTP/3, and which non-standard ids it keeps (the ids Chromium 156, Safari and
 * Firefox use, read from Chromium's and quiche's sources: see docs/webtransport.md). Netty 4.2.18's default settings
 * drop every id it does not know, in both directions, so WebTransport's would vanish: this validator keeps them.
 */
final class WebTransportSettings {

    /** RFC 9297 §2.1.1: H3_DATAGRAM. */
    static final long H3_DATAGRAM = 0x33;
    /** draft-ietf-webtrans-http3-02: SETTINGS_ENABLE_WEBTRANSPORT, what Chromium (draft-02 by default) looks for. */
    static final long ENABLE_WEBTRANSPORT = 0x2b603742L;
    /** draft-07: SETTINGS_WEBTRANSPORT_MAX_SESSIONS (Chromium behind a flag). */
    static final long WEBTRANSPORT_MAX_SESSIONS_DRAFT07 = 0xc671706aL;
    /** draft-09 and later: SETTINGS_WT_MAX_SESSIONS (Safari and Firefox). */
    static final long WT_MAX_SESSIONS = 0x14e9cd29L;
    /** draft-15: SETTINGS_WT_ENABLED. */
    static final long WT_ENABLED = 0x2c7cf000L;

    private WebTransportSettings() {
    }

    /** What this server says in its SETTINGS frame. */
    static DefaultHttp3SettingsFrame local(HttpConfig http, boolean extendedConnect, Http3Config config) {
        DefaultHttp3SettingsFrame settings = new DefaultHttp3SettingsFrame(
                new Http3Settings(WebTransportSettings::keep));
        // RFC 9114 §4.2.2: the largest field section a client may send (max_header_size, as on HTTP/1.1 and 2).
        settings.put(Http3SettingsFrame.HTTP3_SETTINGS_MAX_FIELD_SECTION_SIZE, (long) http.maxHeaderSize());
        if (extendedConnect || config.webTransport()) {
            settings.put(Http3SettingsFrame.HTTP3_SETTINGS_ENABLE_CONNECT_PROTOCOL, 1L);
        }
        if (config.webTransport()) {
            // Chromium 15x needs 0x08, 0x33 and 0x2b603742; the others are for newer drafts and other browsers,
            // which ignore what they do not know. Not the draft-04 datagram id (0xffd277): draft-07 clients
            // refuse a connection that negotiates only that. No WT flow-control settings (0x2b61..): sending them
            // would make draft-14+ clients expect WT_MAX_* capsules, which Carbon does not send.
            settings.put(H3_DATAGRAM, 1L);
            settings.put(ENABLE_WEBTRANSPORT, 1L);
            settings.put(WEBTRANSPORT_MAX_SESSIONS_DRAFT07, (long) config.webTransportMaxSessions());
            settings.put(WT_MAX_SESSIONS, (long) config.webTransportMaxSessions());
            settings.put(WT_ENABLED, 1L);
        }
        return settings;
    }

    /** Keeps every non-standard id with a value, ours and the peer's (unknown ones are ignored by their users). */
    static boolean keep(long id, Long value) {
        return value != null;
    }
}
