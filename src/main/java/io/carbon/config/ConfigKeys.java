package io.carbon.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The table of every key Carbon understands, in the documented order (docs/configuration.md and
 * {@code --check} list them in this order). Keys are constants; the table itself is immutable.
 */
final class ConfigKeys {

    private static final Duration ONE_DAY = Duration.ofDays(1);

    static final Key<Integer> PORT = new Key<>("port", "8080", ValueTypes.integer(0, 65535),
            "plain HTTP port; 0 = any free port", c -> c.network().port());
    static final Key<Boolean> USE_HTTPS = new Key<>("use_https", "false", ValueTypes.bool(),
            "also listen with TLS on https_port", c -> c.network().useHttps());
    static final Key<Integer> HTTPS_PORT = new Key<>("https_port", "8443", ValueTypes.integer(0, 65535),
            "TLS port; 0 = any free port", c -> c.network().httpsPort());
    static final Key<String> SERVER_NAME = new Key<>("server_name", "127.0.0.1", ValueTypes.bindAddress(),
            "address or host name to bind; 0.0.0.0 or :: = all interfaces", c -> c.network().serverName());
    static final Key<Boolean> ENABLE_HTTP2 = new Key<>("enable_http2", "false", ValueTypes.bool(),
            "HTTP/2 (ALPN h2 on TLS, h2c on plain)", c -> c.network().enableHttp2());
    static final Key<Boolean> ENABLE_WEBSOCKET = new Key<>("enable_websocket", "false", ValueTypes.bool(),
            "WebSocket endpoints on every port", ServerConfig::enableWebsocket);
    static final Key<Integer> MAX_THREADS = new Key<>("max_threads", "4", ValueTypes.integer(0, 1024),
            "worker event loops; 0 = number of cores", c -> c.network().maxThreads());
    static final Key<Integer> MAX_CONNECTIONS = new Key<>("max_connections", "1024",
            ValueTypes.integer(1, Integer.MAX_VALUE),
            "open connections across all listeners", c -> c.network().maxConnections());
    static final Key<Integer> MAX_CONNECTIONS_PER_IP = new Key<>("max_connections_per_ip", "256",
            ValueTypes.integer(0, Integer.MAX_VALUE),
            "open connections from one client address; 0 = no limit", c -> c.network().maxConnectionsPerIp());
    static final Key<Duration> SHUTDOWN_TIMEOUT = new Key<>("shutdown_timeout", "10s",
            ValueTypes.duration(Duration.ZERO, ONE_DAY),
            "time in-flight responses get to finish on shutdown", c -> c.network().shutdownTimeout());
    static final Key<Integer> ADMIN_PORT = new Key<>("admin_port", "9180", ValueTypes.integer(0, 65535),
            "admin listener (plain HTTP/1.1): /healthz, /readyz, /metrics; 0 = off", c -> c.network().adminPort());
    static final Key<String> ADMIN_ADDRESS = new Key<>("admin_address", "127.0.0.1", ValueTypes.ipAddress(),
            "IP address the admin listener binds", c -> c.network().adminAddress());
    static final Key<Path> WWW_PATH = new Key<>("www_path", "www", ValueTypes.existingDirectory(),
            "document root; must be an existing directory", c -> c.files().wwwPath());
    static final Key<Path> SSL_CERT_PATH = new Key<>("ssl_cert_path", "ssl/cert/cert.pem", ValueTypes.path(),
            "PEM certificate chain for https_port", c -> c.network().sslCertPath());
    static final Key<Path> SSL_KEY_PATH = new Key<>("ssl_key_path", "ssl/key/key.key", ValueTypes.path(),
            "PEM private key for https_port", c -> c.network().sslKeyPath());
    static final Key<Path> LOG_FILE = new Key<>("log_file", "log/server.log", ValueTypes.path(),
            "server log: lifecycle events and errors", c -> c.logging().logFile());
    static final Key<Path> ACCESS_LOG = new Key<>("access_log", "log/access.log", ValueTypes.optionalPath(),
            "access log, one line per request; off or empty = no access log", c -> c.logging().accessLog());
    static final Key<LoggingConfig.AccessLogStyle> ACCESS_LOG_FORMAT = new Key<>("access_log_format", "combined",
            ValueTypes.oneOf(LoggingConfig.AccessLogStyle.class),
            "access log lines: combined (Combined Log Format plus the time taken) or json (one object per line)",
            c -> c.logging().accessLogFormat());
    static final Key<Integer> ACCESS_LOG_QUEUE = new Key<>("access_log_queue", "65536",
            ValueTypes.integer(1024, 1 << 24),
            "access log lines buffered before they are dropped and counted", c -> c.logging().accessLogQueue());
    static final Key<Boolean> VERBOSE = new Key<>("verbose", "false", ValueTypes.bool(),
            "per-connection detail in the server log", c -> c.logging().verbose());
    static final Key<Boolean> RUNNING = new Key<>("running", "true", ValueTypes.bool(),
            "false = validate the config and exit without serving", ServerConfig::running);
    static final Key<Duration> KEEP_ALIVE_TIMEOUT = new Key<>("keep_alive_timeout", "65s",
            ValueTypes.duration(Duration.ofMillis(1), ONE_DAY),
            "idle keep-alive connections are closed after this", c -> c.http().keepAliveTimeout());
    static final Key<Duration> HEADER_TIMEOUT = new Key<>("header_timeout", "10s",
            ValueTypes.duration(Duration.ofMillis(1), ONE_DAY),
            "a request head must arrive completely within this", c -> c.http().headerTimeout());
    static final Key<Duration> SEND_TIMEOUT = new Key<>("send_timeout", "60s",
            ValueTypes.duration(Duration.ofMillis(100), ONE_DAY),
            "a connection whose client takes no byte of a response for this long is closed",
            c -> c.http().sendTimeout());
    static final Key<Integer> MAX_REQUEST_LINE = new Key<>("max_request_line", "8192",
            ValueTypes.intSize(256, 1 << 20),
            "longest request line (bytes); longer gets 414", c -> c.http().maxRequestLineLength());
    static final Key<Integer> MAX_HEADER_SIZE = new Key<>("max_header_size", "16384",
            ValueTypes.intSize(1 << 10, 1 << 20),
            "largest header section (bytes); larger gets 431", c -> c.http().maxHeaderSize());
    static final Key<Long> MAX_BODY_SIZE = new Key<>("max_body_size", "1MiB", ValueTypes.size(0, 1L << 40),
            "largest request body (bytes); larger gets 413", c -> c.http().maxBodySize());
    static final Key<Integer> MAX_PIPELINED_REQUESTS = new Key<>("max_pipelined_requests", "16",
            ValueTypes.integer(1, 1024),
            "requests read ahead on one HTTP/1.1 connection", c -> c.http().maxPipelinedRequests());
    static final Key<Integer> MAX_REQUESTS_PER_CONNECTION = new Key<>("max_requests_per_connection", "0",
            ValueTypes.integer(0, Integer.MAX_VALUE),
            "requests (HTTP/1.1) or streams (HTTP/2) before a connection is drained; 0 = no limit",
            c -> c.http().maxRequestsPerConnection());
    static final Key<Duration> MAX_CONNECTION_AGE = new Key<>("max_connection_age", "0",
            ValueTypes.duration(Duration.ZERO, Duration.ofDays(365)),
            "a connection older than this is drained and closed; 0 = no limit", c -> c.http().maxConnectionAge());
    static final Key<Boolean> SECURITY_HEADERS = new Key<>("security_headers", "true", ValueTypes.bool(),
            "add the four security headers below to every response",
            c -> c.http().securityHeaders().enabled());
    static final Key<String> X_CONTENT_TYPE_OPTIONS = new Key<>("x_content_type_options", "nosniff",
            ValueTypes.headerValue(), "X-Content-Type-Options; empty = not sent",
            c -> c.http().securityHeaders().contentTypeOptions());
    static final Key<String> X_FRAME_OPTIONS = new Key<>("x_frame_options", "SAMEORIGIN",
            ValueTypes.headerValue(), "X-Frame-Options; empty = not sent",
            c -> c.http().securityHeaders().frameOptions());
    static final Key<String> REFERRER_POLICY = new Key<>("referrer_policy", "strict-origin-when-cross-origin",
            ValueTypes.headerValue(), "Referrer-Policy; empty = not sent",
            c -> c.http().securityHeaders().referrerPolicy());
    static final Key<String> CONTENT_SECURITY_POLICY = new Key<>("content_security_policy", "default-src 'self'",
            ValueTypes.headerValue(), "Content-Security-Policy; empty = not sent",
            c -> c.http().securityHeaders().contentSecurityPolicy());
    static final Key<List<String>> INDEX_FILES = new Key<>("index_files", "index.html",
            ValueTypes.fileNameList(), "files tried in order for a directory", c -> c.files().indexFiles());
    static final Key<Boolean> HIDE_DOTFILES = new Key<>("hide_dotfiles", "true", ValueTypes.bool(),
            "paths with a segment starting with '.' answer 404", c -> c.files().hideDotfiles());
    static final Key<Boolean> SYMLINKS_OUTSIDE_ROOT = new Key<>("symlinks_outside_root", "false",
            ValueTypes.bool(), "follow symlinks whose target is outside www_path",
            c -> c.files().symlinksOutsideRoot());
    static final Key<String> CACHE_CONTROL = new Key<>("cache_control", "no-cache", ValueTypes.headerValue(),
            "Cache-Control on file responses; empty = not sent", c -> c.files().cacheControl());

    static final Key<Long> CACHE_MAX_BYTES = new Key<>("cache_max_bytes", "256MiB", ValueTypes.size(0, 1L << 40),
            "memory for cached files and their compressed variants; 0 = no file cache",
            c -> c.cache().maxBytes());
    static final Key<Long> CACHE_MAX_FILE_SIZE = new Key<>("cache_max_file_size", "10MiB",
            ValueTypes.size(0, 1L << 31), "larger files are not cached: sent by sendfile or in chunks",
            c -> c.cache().maxFileSize());
    static final Key<Duration> CACHE_REVALIDATE_MS = new Key<>("cache_revalidate_ms", "1000",
            ValueTypes.milliseconds(0, 3_600_000L),
            "a cached file (or a cached 404) is checked against the disk at most this many ms after the last check",
            c -> c.cache().revalidate());
    static final Key<Boolean> ENABLE_COMPRESSION = new Key<>("enable_compression", "true", ValueTypes.bool(),
            "compress compressible responses (computed once per cached file)", c -> c.compression().enabled());
    static final Key<List<String>> COMPRESSION = new Key<>("compression", "br,zstd,gzip",
            ValueTypes.choiceList(List.of("br", "zstd", "gzip")),
            "content codings Carbon produces, in order of preference", c -> c.compression().encodings());
    static final Key<Integer> COMPRESSION_LEVEL_GZIP = new Key<>("compression_level_gzip", "6",
            ValueTypes.integer(1, 9), "gzip level (1 fastest, 9 smallest)", c -> c.compression().gzipLevel());
    static final Key<Integer> COMPRESSION_LEVEL_BROTLI = new Key<>("compression_level_brotli", "11",
            ValueTypes.integer(0, 11), "Brotli quality (0 fastest, 11 smallest; above 5, applied in the background)",
            c -> c.compression().brotliLevel());
    static final Key<Integer> COMPRESSION_LEVEL_ZSTD = new Key<>("compression_level_zstd", "6",
            ValueTypes.integer(1, 19), "zstd level (1 fastest, 19 smallest; above 9, applied in the background)",
            c -> c.compression().zstdLevel());
    static final Key<List<String>> COMPRESSION_TYPES = new Key<>("compression_types",
            "text/*,application/javascript,application/json,application/*+json,application/xml,"
                    + "application/*+xml,image/svg+xml,application/wasm",
            ValueTypes.mediaTypePatterns(), "media types worth compressing", c -> c.compression().types());
    static final Key<Long> COMPRESSION_MIN_SIZE = new Key<>("compression_min_size", "1KiB",
            ValueTypes.size(0, 1L << 40), "smaller responses are sent uncompressed", c -> c.compression().minSize());
    static final Key<Boolean> PRECOMPRESSED = new Key<>("precompressed", "true", ValueTypes.bool(),
            "serve file.br, file.zst, file.gz next to file when fresh", c -> c.compression().precompressed());

    static final Key<Boolean> REDIRECT_TO_HTTPS = new Key<>("redirect_to_https", "false", ValueTypes.bool(),
            "the plain port answers 301 to the HTTPS URL (needs use_https)", c -> c.tls().redirectToHttps());
    static final Key<Integer> HSTS_MAX_AGE = new Key<>("hsts_max_age", "0", ValueTypes.integer(0, Integer.MAX_VALUE),
            "Strict-Transport-Security max-age in seconds, sent over TLS only; 0 = not sent",
            c -> c.tls().hstsMaxAge());
    static final Key<Boolean> HSTS_INCLUDE_SUBDOMAINS = new Key<>("hsts_include_subdomains", "false",
            ValueTypes.bool(), "add includeSubDomains to Strict-Transport-Security",
            c -> c.tls().hstsIncludeSubdomains());
    static final Key<Boolean> HSTS_PRELOAD = new Key<>("hsts_preload", "false", ValueTypes.bool(),
            "add preload to Strict-Transport-Security", c -> c.tls().hstsPreload());
    static final Key<Integer> TLS_SESSION_CACHE_SIZE = new Key<>("tls_session_cache_size", "20480",
            ValueTypes.integer(0, 1 << 24), "TLS sessions kept for resumption; 0 = no session cache",
            c -> c.tls().sessionCacheSize());
    static final Key<Duration> TLS_HANDSHAKE_TIMEOUT = new Key<>("tls_handshake_timeout", "10s",
            ValueTypes.duration(Duration.ofMillis(100), Duration.ofMinutes(10)),
            "a TLS handshake not complete within this is closed", c -> c.tls().handshakeTimeout());
    static final Key<Duration> TLS_SESSION_TIMEOUT = new Key<>("tls_session_timeout", "5m",
            ValueTypes.duration(Duration.ofSeconds(1), ONE_DAY),
            "how long a TLS session can be resumed", c -> c.tls().sessionTimeout());
    static final Key<Boolean> SSL_STAPLING = new Key<>("ssl_stapling", "true", ValueTypes.bool(),
            "fetch the certificate's OCSP response and staple it to every TLS handshake (when the certificate "
                    + "names an OCSP responder)", c -> c.tls().stapling());
    static final Key<Boolean> SELF_SIGNED_FOR_WEBTRANSPORT = new Key<>("self_signed_for_webtransport", "false",
            ValueTypes.bool(), "the generated development certificate is one browsers accept by hash for "
                    + "WebTransport (ECDSA P-256, 13 days, renewed by Carbon)",
            c -> c.tls().selfSignedForWebTransport());
    static final Key<Boolean> ENABLE_H2C = new Key<>("enable_h2c", "true", ValueTypes.bool(),
            "with enable_http2: HTTP/2 without TLS on the plain port (prior knowledge and Upgrade: h2c)",
            c -> c.http2().enableH2c());
    static final Key<Integer> HTTP2_MAX_CONCURRENT_STREAMS = new Key<>("http2_max_concurrent_streams", "256",
            ValueTypes.integer(1, 1 << 16), "streams one HTTP/2 connection may have open; more are refused",
            c -> c.http2().maxConcurrentStreams());
    static final Key<Integer> HTTP2_INITIAL_WINDOW_SIZE = new Key<>("http2_initial_window_size", "1MiB",
            ValueTypes.intSize(65535, Integer.MAX_VALUE), "HTTP/2 flow-control window of each stream (bytes)",
            c -> c.http2().initialWindowSize());
    static final Key<Integer> HTTP2_CONNECTION_WINDOW_SIZE = new Key<>("http2_connection_window_size", "16MiB",
            ValueTypes.intSize(65535, Integer.MAX_VALUE), "HTTP/2 flow-control window of the whole connection (bytes)",
            c -> c.http2().connectionWindowSize());
    static final Key<Integer> HTTP2_MAX_FRAME_SIZE = new Key<>("http2_max_frame_size", "16384",
            ValueTypes.intSize(16384, 16777215), "largest HTTP/2 frame payload Carbon accepts (bytes)",
            c -> c.http2().maxFrameSize());
    static final Key<Integer> HTTP2_MAX_RESETS = new Key<>("http2_max_resets", "200",
            ValueTypes.integer(1, 1 << 20),
            "RST_STREAM frames a client may send per http2_reset_window before GOAWAY (rapid reset)",
            c -> c.http2().maxResets());
    static final Key<Duration> HTTP2_RESET_WINDOW = new Key<>("http2_reset_window", "30s",
            ValueTypes.duration(Duration.ofSeconds(1), ONE_DAY), "the window http2_max_resets is counted over",
            c -> c.http2().resetWindow());

    static final Key<Boolean> ENABLE_HTTP3 = new Key<>("enable_http3", "false", ValueTypes.bool(),
            "with use_https: HTTP/3 over QUIC on UDP, advertised to TLS and HTTP/2 clients with Alt-Svc",
            c -> c.http3().enabled());
    static final Key<Integer> HTTP3_PORT = new Key<>("http3_port", "0", ValueTypes.integer(0, 65535),
            "the UDP port of HTTP/3; 0 = the same number as the HTTPS port", c -> c.http3().port());
    static final Key<Duration> HTTP3_ALT_SVC_MAX_AGE = new Key<>("http3_alt_svc_max_age", "24h",
            ValueTypes.duration(Duration.ofSeconds(1), Duration.ofDays(365)),
            "how long clients may remember that HTTP/3 is offered (Alt-Svc ma=)", c -> c.http3().altSvcMaxAge());
    static final Key<Duration> HTTP3_IDLE_TIMEOUT = new Key<>("http3_idle_timeout", "30s",
            ValueTypes.duration(Duration.ofSeconds(1), ONE_DAY),
            "QUIC max_idle_timeout: a connection with no packets for this long is closed",
            c -> c.http3().idleTimeout());
    static final Key<Integer> HTTP3_MAX_STREAMS = new Key<>("http3_max_streams", "100",
            ValueTypes.integer(1, 1 << 16), "request streams a client may have open at once per HTTP/3 connection",
            c -> c.http3().maxStreams());
    static final Key<Integer> HTTP3_STREAM_WINDOW = new Key<>("http3_stream_window", "1MiB",
            ValueTypes.intSize(16 * 1024, Integer.MAX_VALUE), "QUIC flow-control credit of each stream (bytes)",
            c -> c.http3().streamWindow());
    static final Key<Long> HTTP3_CONNECTION_WINDOW = new Key<>("http3_connection_window", "16MiB",
            ValueTypes.size(64 * 1024, 1L << 40), "QUIC flow-control credit of a whole connection (bytes)",
            c -> c.http3().connectionWindow());
    static final Key<Http3Config.CongestionControl> HTTP3_CONGESTION_CONTROL = new Key<>("http3_congestion_control",
            "cubic", ValueTypes.oneOf(Http3Config.CongestionControl.class),
            "QUIC congestion controller: cubic, reno or bbr", c -> c.http3().congestionControl());
    static final Key<Boolean> HTTP3_RETRY = new Key<>("http3_retry", "true", ValueTypes.bool(),
            "validate each client address with a Retry round trip and an HMAC-signed, expiring token first",
            c -> c.http3().retry());
    static final Key<Integer> HTTP3_UDP_BUFFER_SIZE = new Key<>("http3_udp_buffer_size", "4MiB",
            ValueTypes.intSize(64 * 1024, 256 * 1024 * 1024),
            "SO_RCVBUF and SO_SNDBUF of the HTTP/3 socket (bytes; the kernel may cap them, and the log says so)",
            c -> c.http3().udpBufferSize());

    static final Key<Boolean> ENABLE_WEBTRANSPORT = new Key<>("enable_webtransport", "false", ValueTypes.bool(),
            "with enable_http3 and enable_websocket: WebTransport sessions on the WebSocket echo and channel paths",
            c -> c.http3().webTransport());
    static final Key<Integer> WEBTRANSPORT_MAX_SESSIONS = new Key<>("webtransport_max_sessions", "16",
            ValueTypes.integer(1, 1024), "WebTransport sessions one QUIC connection may have open at once",
            c -> c.http3().webTransportMaxSessions());
    static final Key<Integer> WEBTRANSPORT_MAX_STREAMS = new Key<>("webtransport_max_streams", "256",
            ValueTypes.integer(1, 1 << 16), "streams one WebTransport session may have open at once; more are reset",
            c -> c.http3().webTransportMaxStreams());

    static final Key<String> WEBSOCKET_ECHO_PATH = new Key<>("websocket_echo_path", "/ws",
            ValueTypes.endpointPath(false), "WebSocket endpoint that sends every message back unchanged",
            c -> c.websocket().echoPath());
    static final Key<String> WEBSOCKET_CHANNELS_PATH = new Key<>("websocket_channels_path", "/ws/channels/",
            ValueTypes.endpointPath(true),
            "prefix of the channel endpoints (WebSocket, SSE, POST); the next segment names the channel",
            c -> c.websocket().channelsPath());
    static final Key<Integer> WEBSOCKET_MAX_MESSAGE_SIZE = new Key<>("websocket_max_message_size", "1MiB",
            ValueTypes.intSize(125, 1 << 28),
            "largest WebSocket message (all fragments, decompressed); larger closes with 1009",
            c -> c.websocket().maxMessageSize());
    static final Key<Duration> WEBSOCKET_IDLE_TIMEOUT = new Key<>("websocket_idle_timeout", "60s",
            ValueTypes.duration(Duration.ofSeconds(1), ONE_DAY),
            "a silent WebSocket client is pinged after this and closed (1001) after as long again",
            c -> c.websocket().idleTimeout());
    static final Key<Integer> WEBSOCKET_MAX_CONNECTIONS = new Key<>("websocket_max_connections", "10000",
            ValueTypes.integer(1, Integer.MAX_VALUE), "open WebSockets (HTTP/1.1 and HTTP/2); more get 503",
            c -> c.websocket().maxConnections());
    static final Key<List<String>> WEBSOCKET_ALLOWED_ORIGINS = new Key<>("websocket_allowed_origins", "",
            ValueTypes.originList(),
            "origins allowed to open WebSockets and use channels (403 otherwise); empty = any",
            c -> c.websocket().allowedOrigins());
    static final Key<List<String>> WEBSOCKET_SUBPROTOCOLS = new Key<>("websocket_subprotocols", "",
            ValueTypes.tokenList(), "subprotocols Carbon agrees to; the client's first one in this list is chosen",
            c -> c.websocket().subprotocols());
    static final Key<Integer> WEBSOCKET_MAX_CHANNELS = new Key<>("websocket_max_channels", "1024",
            ValueTypes.integer(1, 1 << 24), "channels with subscribers at once; a new channel beyond gets 503",
            c -> c.websocket().maxChannels());
    static final Key<Integer> WEBSOCKET_MAX_SUBSCRIBERS = new Key<>("websocket_max_subscribers", "1024",
            ValueTypes.integer(1, 1 << 24), "WebSocket and SSE subscribers of one channel; more get 503",
            c -> c.websocket().maxSubscribers());
    static final Key<Integer> WEBSOCKET_QUEUE_SIZE = new Key<>("websocket_queue_size", "256",
            ValueTypes.integer(1, 1 << 20),
            "channel messages waiting for one slow subscriber; one more closes it (1008)",
            c -> c.websocket().queueSize());
    static final Key<Boolean> WEBSOCKET_PERMESSAGE_DEFLATE = new Key<>("websocket_permessage_deflate", "true",
            ValueTypes.bool(), "compress WebSocket messages when the client offers permessage-deflate (RFC 7692)",
            c -> c.websocket().permessageDeflate());
    static final Key<Integer> SSE_REPLAY = new Key<>("sse_replay", "32", ValueTypes.integer(0, 1 << 16),
            "text messages kept per channel for SSE clients that reconnect with Last-Event-ID; 0 = none",
            c -> c.websocket().sseReplay());
    static final Key<Duration> SSE_HEARTBEAT = new Key<>("sse_heartbeat", "15s",
            ValueTypes.duration(Duration.ofSeconds(1), Duration.ofHours(1)),
            "an SSE stream without events gets a comment line this often, so proxies keep it open",
            c -> c.websocket().sseHeartbeat());
    static final Key<Integer> SSE_MAX_PUBLISH_SIZE = new Key<>("sse_max_publish_size", "64KiB",
            ValueTypes.intSize(0, 1 << 28), "largest body a POST may publish to a channel; larger gets 413",
            c -> c.websocket().sseMaxPublishSize());

    static final Key<Integer> RATE_LIMIT_REQUESTS = new Key<>("rate_limit_requests", "6000",
            ValueTypes.integer(0, 1_000_000_000),
            "requests per client address per rate_limit_window, sustained; 0 = no rate limit",
            c -> c.rateLimit().requests());
    static final Key<Duration> RATE_LIMIT_WINDOW = new Key<>("rate_limit_window", "60s",
            ValueTypes.duration(Duration.ofSeconds(1), ONE_DAY), "the window rate_limit_requests is counted over",
            c -> c.rateLimit().window());
    static final Key<Integer> RATE_LIMIT_BURST = new Key<>("rate_limit_burst", "300",
            ValueTypes.integer(1, 1_000_000_000), "requests a client may make at once before the rate applies",
            c -> c.rateLimit().burst());
    static final Key<List<Cidr>> RATE_LIMIT_ALLOWLIST = new Key<>("rate_limit_allowlist", "127.0.0.0/8,::1",
            ValueTypes.cidrList(), "client addresses (CIDR blocks) never rate limited",
            c -> c.rateLimit().allowlist());
    static final Key<Integer> RATE_LIMIT_IPV6_PREFIX = new Key<>("rate_limit_ipv6_prefix", "64",
            ValueTypes.integer(1, 128), "IPv6 clients share a budget per block of this prefix length",
            c -> c.rateLimit().ipv6Prefix());
    static final Key<Integer> RATE_LIMIT_MAX_TRACKED = new Key<>("rate_limit_max_tracked", "100000",
            ValueTypes.integer(1000, 100_000_000), "client addresses the rate limiter remembers at most",
            c -> c.rateLimit().maxTracked());

    static final Key<Integer> RATE_LIMIT_MESSAGES = new Key<>("rate_limit_messages", "6000",
            ValueTypes.integer(0, 1_000_000_000),
            "WebSocket messages and channel publishes per client address per rate_limit_window; 0 = no limit",
            c -> c.rateLimit().messages());
    static final Key<Integer> RATE_LIMIT_MESSAGE_BURST = new Key<>("rate_limit_message_burst", "300",
            ValueTypes.integer(1, 1_000_000_000), "messages a client may send at once before the rate applies",
            c -> c.rateLimit().messageBurst());
    static final Key<List<Cidr>> TRUSTED_PROXIES = new Key<>("trusted_proxies", "", ValueTypes.cidrList(),
            "proxies (CIDR blocks) whose Forwarded / X-Forwarded-For header names the client",
            c -> c.rateLimit().trustedProxies());

    static final Key<Boolean> PROXY_PROTOCOL = new Key<>("proxy_protocol", "false", ValueTypes.bool(),
            "every connection starts with a PROXY protocol v1/v2 header from a trusted_proxies peer",
            c -> c.rateLimit().proxyProtocol());

    /** Every key, in the documented order. */
    static final List<Key<?>> ALL = List.of(
            PORT, USE_HTTPS, HTTPS_PORT, SERVER_NAME, ENABLE_HTTP2, ENABLE_WEBSOCKET, MAX_THREADS,
            MAX_CONNECTIONS, MAX_CONNECTIONS_PER_IP, RATE_LIMIT_REQUESTS, RATE_LIMIT_WINDOW, RATE_LIMIT_BURST,
            RATE_LIMIT_ALLOWLIST, RATE_LIMIT_IPV6_PREFIX, RATE_LIMIT_MAX_TRACKED, RATE_LIMIT_MESSAGES, RATE_LIMIT_MESSAGE_BURST,
            TRUSTED_PROXIES, PROXY_PROTOCOL, SHUTDOWN_TIMEOUT, ADMIN_PORT, ADMIN_ADDRESS, WWW_PATH, SSL_CERT_PATH, SSL_KEY_PATH,
            LOG_FILE, ACCESS_LOG, ACCESS_LOG_FORMAT, ACCESS_LOG_QUEUE, VERBOSE, RUNNING, KEEP_ALIVE_TIMEOUT, HEADER_TIMEOUT,
            SEND_TIMEOUT,
            MAX_REQUEST_LINE, MAX_HEADER_SIZE, MAX_BODY_SIZE, MAX_PIPELINED_REQUESTS,
            MAX_REQUESTS_PER_CONNECTION, MAX_CONNECTION_AGE, SECURITY_HEADERS,
            X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS, REFERRER_POLICY, CONTENT_SECURITY_POLICY, INDEX_FILES,
            HIDE_DOTFILES, SYMLINKS_OUTSIDE_ROOT, CACHE_CONTROL, CACHE_MAX_BYTES, CACHE_MAX_FILE_SIZE,
            CACHE_REVALIDATE_MS, ENABLE_COMPRESSION, COMPRESSION, COMPRESSION_LEVEL_GZIP, COMPRESSION_LEVEL_BROTLI,
            COMPRESSION_LEVEL_ZSTD, COMPRESSION_TYPES, COMPRESSION_MIN_SIZE, PRECOMPRESSED, REDIRECT_TO_HTTPS, HSTS_MAX_AGE,
            HSTS_INCLUDE_SUBDOMAINS, HSTS_PRELOAD, TLS_SESSION_CACHE_SIZE, TLS_SESSION_TIMEOUT, TLS_HANDSHAKE_TIMEOUT,
            SSL_STAPLING, SELF_SIGNED_FOR_WEBTRANSPORT,
            ENABLE_H2C,
            HTTP2_MAX_CONCURRENT_STREAMS, HTTP2_INITIAL_WINDOW_SIZE, HTTP2_CONNECTION_WINDOW_SIZE,
            HTTP2_MAX_FRAME_SIZE, HTTP2_MAX_RESETS, HTTP2_RESET_WINDOW, ENABLE_HTTP3, HTTP3_PORT,
            HTTP3_ALT_SVC_MAX_AGE, HTTP3_IDLE_TIMEOUT, HTTP3_MAX_STREAMS, HTTP3_STREAM_WINDOW, HTTP3_CONNECTION_WINDOW,
            HTTP3_CONGESTION_CONTROL, HTTP3_RETRY, HTTP3_UDP_BUFFER_SIZE, ENABLE_WEBTRANSPORT, WEBTRANSPORT_MAX_SESSIONS,
            WEBTRANSPORT_MAX_STREAMS, WEBSOCKET_ECHO_PATH,
            WEBSOCKET_CHANNELS_PATH, WEBSOCKET_MAX_MESSAGE_SIZE, WEBSOCKET_IDLE_TIMEOUT, WEBSOCKET_MAX_CONNECTIONS,
            WEBSOCKET_ALLOWED_ORIGINS, WEBSOCKET_SUBPROTOCOLS, WEBSOCKET_MAX_CHANNELS, WEBSOCKET_MAX_SUBSCRIBERS,
            WEBSOCKET_QUEUE_SIZE, WEBSOCKET_PERMESSAGE_DEFLATE, SSE_REPLAY, SSE_HEARTBEAT, SSE_MAX_PUBLISH_SIZE);

    private static final Map<String, Key<?>> BY_NAME =
            ALL.stream().collect(Collectors.toUnmodifiableMap(Key::name, Function.identity()));

    private ConfigKeys() {
    }

    static Optional<Key<?>> find(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /** The known key closest to {@code name} by edit distance (the first in documented order on a tie). */
    static String closest(String name) {
        return ALL.stream()
                .min(Comparator.comparingInt((Key<?> k) -> EditDistance.between(name, k.name())))
                .orElseThrow()
                .name();
    }

    /** The warning for an unknown key, e.g. {@code unknown key "max_thread" (did you mean "max_threads"?)}. */
    static String unknownKeyWarning(Setting setting) {
        return setting.origin().prefix() + "unknown key " + Quoting.show(setting.key())
                + " (did you mean " + Quoting.show(closest(setting.key())) + "?)";
    }
}
