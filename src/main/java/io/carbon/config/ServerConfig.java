package io.carbon.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The whole, validated configuration of one Carbon instance. Built once by {@link ConfigLoader} from
 * {@code server.conf} / {@code server.yaml} plus environment overrides; immutable, so a reload builds a new
 * tree and swaps it.
 *
 * @param source          the file it was read from (null when built from defaults only)
 * @param network         listeners, threads and connection bounds
 * @param http            protocol limits, timeouts and headers added to every response
 * @param files           how {@code www_path} is served
 * @param logging         server log and access log
 * @param enableWebsocket {@code enable_websocket}: WebSocket endpoints on every port
 * @param running         {@code running}: false makes Carbon validate its config and exit without serving
 * @param tls             TLS options beyond the certificate paths
 * @param http2           HTTP/2 settings and abuse bounds
 * @param cache           the in-memory file cache
 * @param compression     content coding of responses
 * @param websocket       WebSocket endpoints, channels and the SSE bridge (used when {@code enableWebsocket})
 * @param rateLimit       the per-client request rate limit
 * @param http3           HTTP/3 over QUIC
 * @param provenance      where each setting came from, for messages about a value found bad after loading
 *                        (a certificate that cannot be used)
 */
public record ServerConfig(
        Path source,
        NetworkConfig network,
        HttpConfig http,
        FilesConfig files,
        LoggingConfig logging,
        boolean enableWebsocket,
        boolean running,
        TlsConfig tls,
        Http2Config http2,
        FileCacheConfig cache,
        CompressionConfig compression,
        WebSocketConfig websocket,
        RateLimitConfig rateLimit,
        Http3Config http3,
        Provenance provenance) {

    public ServerConfig {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(files, "files");
        Objects.requireNonNull(logging, "logging");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(http2, "http2");
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(websocket, "websocket");
        Objects.requireNonNull(rateLimit, "rateLimit");
        Objects.requireNonNull(http3, "http3");
        Objects.requireNonNull(provenance, "provenance");
    }

    /** A config assembled in code, whose settings have no known origin, without HTTP/3. */
    public ServerConfig(Path source, NetworkConfig network, HttpConfig http, FilesConfig files, LoggingConfig logging,
                        boolean enableWebsocket, boolean running, TlsConfig tls, Http2Config http2,
                        FileCacheConfig cache, CompressionConfig compression, WebSocketConfig websocket,
                        RateLimitConfig rateLimit) {
        this(source, network, http, files, logging, enableWebsocket, running, tls, http2, cache, compression,
                websocket, rateLimit, Http3Config.OFF, Provenance.UNKNOWN);
    }
}
