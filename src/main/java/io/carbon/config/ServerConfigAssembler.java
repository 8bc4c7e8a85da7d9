package io.carbon.config;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns the effective raw settings (file, then environment on top) into a validated {@link ServerConfig}.
 * Every key is parsed by its {@link ValueType}, unset keys from their default text, so defaults pass the
 * same checks as user values (a default {@code www_path} that does not exist is reported too).
 */
final class ServerConfigAssembler {

    private final Map<String, Object> values = new HashMap<>();
    private final Map<String, Origin> origins = new HashMap<>();
    /** Only the keys that were set (file, environment or code), for {@link Provenance}. */
    private final Map<String, Origin> set = new HashMap<>();

    private ServerConfigAssembler() {
    }

    /**
     * @param source    the config file, or null
     * @param effective the winning setting for each known key; keys not in it take their default
     */
    static ServerConfig assemble(Path source, Map<String, Setting> effective) throws ConfigException {
        ServerConfigAssembler a = new ServerConfigAssembler();
        for (Key<?> key : ConfigKeys.ALL) {
            a.parse(key, effective.get(key.name()));
        }
        a.crossCheck();
        return a.build(source);
    }

    private void parse(Key<?> key, Setting setting) throws ConfigException {
        Origin origin = setting == null ? Origin.NONE : setting.origin();
        String raw = setting == null ? key.defaultValue() : setting.value();
        try {
            values.put(key.name(), key.type().parse(raw));
            origins.put(key.name(), origin);
            if (setting != null) {
                set.put(key.name(), origin);
            }
        } catch (InvalidValueException e) {
            String detail = setting == null
                    ? e.getMessage() + " (this is the default; set " + key.name() + " to change it)"
                    : e.getMessage();
            throw origin.error(key.name(), detail);
        }
    }

    /** Checks that involve more than one key. */
    private void crossCheck() throws ConfigException {
        int port = get(ConfigKeys.PORT);
        int httpsPort = get(ConfigKeys.HTTPS_PORT);
        if (get(ConfigKeys.USE_HTTPS) && port != 0 && port == httpsPort) {
            throw origins.get(ConfigKeys.HTTPS_PORT.name()).error(ConfigKeys.HTTPS_PORT.name(),
                    "is the same as port (" + port + "), expected a different port for TLS");
        }
        if (get(ConfigKeys.REDIRECT_TO_HTTPS) && !get(ConfigKeys.USE_HTTPS)) {
            throw origins.get(ConfigKeys.REDIRECT_TO_HTTPS.name()).error(ConfigKeys.REDIRECT_TO_HTTPS.name(),
                    "needs use_https = true: there is no HTTPS port to redirect to");
        }
        if (get(ConfigKeys.ENABLE_HTTP3) && !get(ConfigKeys.USE_HTTPS)) {
            throw origins.get(ConfigKeys.ENABLE_HTTP3.name()).error(ConfigKeys.ENABLE_HTTP3.name(),
                    "needs use_https = true: HTTP/3 always runs over TLS (QUIC), with the HTTPS certificate");
        }
        if (get(ConfigKeys.ENABLE_WEBTRANSPORT) && !(get(ConfigKeys.ENABLE_HTTP3) && get(ConfigKeys.ENABLE_WEBSOCKET))) {
            throw origins.get(ConfigKeys.ENABLE_WEBTRANSPORT.name()).error(ConfigKeys.ENABLE_WEBTRANSPORT.name(),
                    "needs enable_http3 = true (WebTransport runs over HTTP/3) and enable_websocket = true (its "
                            + "endpoints are the WebSocket echo and channels)");
        }
        int admin = get(ConfigKeys.ADMIN_PORT);
        if (admin != 0 && (admin == port || (get(ConfigKeys.USE_HTTPS) && admin == httpsPort))) {
            throw origins.get(ConfigKeys.ADMIN_PORT.name()).error(ConfigKeys.ADMIN_PORT.name(),
                    "is the same as " + (admin == port ? "port" : "https_port") + " (" + admin
                            + "), expected a port of its own (or 0 = off)");
        }
        crossCheckWebSocket();
    }

    private void crossCheckWebSocket() throws ConfigException {
        String echo = get(ConfigKeys.WEBSOCKET_ECHO_PATH);
        String channels = get(ConfigKeys.WEBSOCKET_CHANNELS_PATH);
        // The channels path is a prefix: an echo path under it (or equal to it) could never be reached.
        if (echo.startsWith(channels) || (echo + "/").equals(channels)) {
            throw origins.get(ConfigKeys.WEBSOCKET_ECHO_PATH.name()).error(ConfigKeys.WEBSOCKET_ECHO_PATH.name(),
                    "is " + echo + ", inside websocket_channels_path (" + channels
                            + "), expected a path outside it, e.g. /ws");
        }
        int replay = get(ConfigKeys.SSE_REPLAY);
        int queue = get(ConfigKeys.WEBSOCKET_QUEUE_SIZE);
        if (replay > queue) {
            // A replay goes into the subscriber's queue first: more than fits would close the subscriber at once.
            throw origins.get(ConfigKeys.SSE_REPLAY.name()).error(ConfigKeys.SSE_REPLAY.name(),
                    "is " + replay + ", larger than websocket_queue_size (" + queue + "), expected at most " + queue);
        }
        int publish = get(ConfigKeys.SSE_MAX_PUBLISH_SIZE);
        int message = get(ConfigKeys.WEBSOCKET_MAX_MESSAGE_SIZE);
        if (publish > message) {
            throw origins.get(ConfigKeys.SSE_MAX_PUBLISH_SIZE.name()).error(ConfigKeys.SSE_MAX_PUBLISH_SIZE.name(),
                    "is larger than websocket_max_message_size (" + message
                            + " bytes): a published message must fit in a WebSocket message");
        }
    }

    @SuppressWarnings("unchecked")
    private <T> T get(Key<T> key) {
        return (T) values.get(key.name());
    }

    private ServerConfig build(Path source) {
        NetworkConfig network = new NetworkConfig(
                get(ConfigKeys.SERVER_NAME),
                get(ConfigKeys.PORT),
                get(ConfigKeys.USE_HTTPS),
                get(ConfigKeys.HTTPS_PORT),
                get(ConfigKeys.ENABLE_HTTP2),
                get(ConfigKeys.MAX_THREADS),
                get(ConfigKeys.MAX_CONNECTIONS),
                get(ConfigKeys.MAX_CONNECTIONS_PER_IP),
                get(ConfigKeys.SHUTDOWN_TIMEOUT),
                get(ConfigKeys.SSL_CERT_PATH),
                get(ConfigKeys.SSL_KEY_PATH),
                get(ConfigKeys.ADMIN_ADDRESS),
                get(ConfigKeys.ADMIN_PORT));
        SecurityHeadersConfig headers = new SecurityHeadersConfig(
                get(ConfigKeys.SECURITY_HEADERS),
                get(ConfigKeys.X_CONTENT_TYPE_OPTIONS),
                get(ConfigKeys.X_FRAME_OPTIONS),
                get(ConfigKeys.REFERRER_POLICY),
                get(ConfigKeys.CONTENT_SECURITY_POLICY));
        HttpConfig http = new HttpConfig(
                get(ConfigKeys.KEEP_ALIVE_TIMEOUT),
                get(ConfigKeys.HEADER_TIMEOUT),
                get(ConfigKeys.MAX_REQUEST_LINE),
                get(ConfigKeys.MAX_HEADER_SIZE),
                get(ConfigKeys.MAX_BODY_SIZE),
                get(ConfigKeys.MAX_PIPELINED_REQUESTS),
                get(ConfigKeys.MAX_REQUESTS_PER_CONNECTION),
                get(ConfigKeys.MAX_CONNECTION_AGE),
                get(ConfigKeys.SEND_TIMEOUT),
                headers);
        FilesConfig files = new FilesConfig(
                get(ConfigKeys.WWW_PATH),
                get(ConfigKeys.INDEX_FILES),
                get(ConfigKeys.HIDE_DOTFILES),
                get(ConfigKeys.SYMLINKS_OUTSIDE_ROOT),
                get(ConfigKeys.CACHE_CONTROL));
        FileCacheConfig cache = new FileCacheConfig(
                get(ConfigKeys.CACHE_MAX_BYTES),
                get(ConfigKeys.CACHE_MAX_FILE_SIZE),
                get(ConfigKeys.CACHE_REVALIDATE_MS));
        CompressionConfig compression = new CompressionConfig(
                get(ConfigKeys.ENABLE_COMPRESSION),
                get(ConfigKeys.COMPRESSION),
                get(ConfigKeys.COMPRESSION_LEVEL_GZIP),
                get(ConfigKeys.COMPRESSION_LEVEL_BROTLI),
                get(ConfigKeys.COMPRESSION_LEVEL_ZSTD),
                get(ConfigKeys.COMPRESSION_TYPES),
                get(ConfigKeys.COMPRESSION_MIN_SIZE),
                get(ConfigKeys.PRECOMPRESSED));
        LoggingConfig logging = new LoggingConfig(
                get(ConfigKeys.LOG_FILE),
                get(ConfigKeys.ACCESS_LOG),
                get(ConfigKeys.ACCESS_LOG_FORMAT),
                get(ConfigKeys.ACCESS_LOG_QUEUE),
                get(ConfigKeys.VERBOSE));
        TlsConfig tls = new TlsConfig(
                get(ConfigKeys.REDIRECT_TO_HTTPS),
                get(ConfigKeys.HSTS_MAX_AGE),
                get(ConfigKeys.HSTS_INCLUDE_SUBDOMAINS),
                get(ConfigKeys.HSTS_PRELOAD),
                get(ConfigKeys.TLS_SESSION_CACHE_SIZE),
                get(ConfigKeys.TLS_SESSION_TIMEOUT),
                get(ConfigKeys.TLS_HANDSHAKE_TIMEOUT),
                get(ConfigKeys.SSL_STAPLING),
                get(ConfigKeys.SELF_SIGNED_FOR_WEBTRANSPORT));
        Http2Config http2 = new Http2Config(
                get(ConfigKeys.ENABLE_H2C),
                get(ConfigKeys.HTTP2_MAX_CONCURRENT_STREAMS),
                get(ConfigKeys.HTTP2_INITIAL_WINDOW_SIZE),
                get(ConfigKeys.HTTP2_CONNECTION_WINDOW_SIZE),
                get(ConfigKeys.HTTP2_MAX_FRAME_SIZE),
                get(ConfigKeys.HTTP2_MAX_RESETS),
                get(ConfigKeys.HTTP2_RESET_WINDOW));
        WebSocketConfig websocket = new WebSocketConfig(
                get(ConfigKeys.WEBSOCKET_ECHO_PATH),
                get(ConfigKeys.WEBSOCKET_CHANNELS_PATH),
                get(ConfigKeys.WEBSOCKET_MAX_MESSAGE_SIZE),
                get(ConfigKeys.WEBSOCKET_IDLE_TIMEOUT),
                get(ConfigKeys.WEBSOCKET_MAX_CONNECTIONS),
                get(ConfigKeys.WEBSOCKET_ALLOWED_ORIGINS),
                get(ConfigKeys.WEBSOCKET_SUBPROTOCOLS),
                get(ConfigKeys.WEBSOCKET_MAX_CHANNELS),
                get(ConfigKeys.WEBSOCKET_MAX_SUBSCRIBERS),
                get(ConfigKeys.WEBSOCKET_QUEUE_SIZE),
                get(ConfigKeys.WEBSOCKET_PERMESSAGE_DEFLATE),
                get(ConfigKeys.SSE_REPLAY),
                get(ConfigKeys.SSE_HEARTBEAT),
                get(ConfigKeys.SSE_MAX_PUBLISH_SIZE));
        RateLimitConfig rateLimit = new RateLimitConfig(
                get(ConfigKeys.RATE_LIMIT_REQUESTS),
                get(ConfigKeys.RATE_LIMIT_WINDOW),
                get(ConfigKeys.RATE_LIMIT_BURST),
                get(ConfigKeys.RATE_LIMIT_ALLOWLIST),
                get(ConfigKeys.RATE_LIMIT_IPV6_PREFIX),
                get(ConfigKeys.RATE_LIMIT_MAX_TRACKED),
                get(ConfigKeys.TRUSTED_PROXIES),
                get(ConfigKeys.RATE_LIMIT_MESSAGES),
                get(ConfigKeys.RATE_LIMIT_MESSAGE_BURST),
                get(ConfigKeys.PROXY_PROTOCOL));
        Http3Config http3 = new Http3Config(
                get(ConfigKeys.ENABLE_HTTP3),
                get(ConfigKeys.HTTP3_PORT),
                get(ConfigKeys.HTTP3_ALT_SVC_MAX_AGE),
                get(ConfigKeys.HTTP3_IDLE_TIMEOUT),
                get(ConfigKeys.HTTP3_MAX_STREAMS),
                get(ConfigKeys.HTTP3_STREAM_WINDOW),
                get(ConfigKeys.HTTP3_CONNECTION_WINDOW),
                get(ConfigKeys.HTTP3_CONGESTION_CONTROL),
                get(ConfigKeys.HTTP3_RETRY),
                get(ConfigKeys.HTTP3_UDP_BUFFER_SIZE),
                get(ConfigKeys.ENABLE_WEBTRANSPORT),
                get(ConfigKeys.WEBTRANSPORT_MAX_SESSIONS),
                get(ConfigKeys.WEBTRANSPORT_MAX_STREAMS));
        return new ServerConfig(source, network, http, files, logging,
                get(ConfigKeys.ENABLE_WEBSOCKET), get(ConfigKeys.RUNNING), tls, http2, cache, compression, websocket,
                rateLimit, http3, Provenance.of(set));
    }
}
