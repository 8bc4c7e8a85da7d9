package io.carbon.websocket;

import io.carbon.config.ConfigLoader;
import io.carbon.config.ServerConfig;
import io.carbon.config.WebSocketConfig;
import io.carbon.logging.ServerLog;
import io.carbon.server.CarbonServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real Carbon on 127.0.0.1:0 with WebSocket on and the given WebSocket settings: the suites talk to the
 * real HTTP/1.1 branch, route table and tunnels, not a simulation of them.
 */
final class WsTestServer implements AutoCloseable {

    final WebSocketService service;
    /** The server's open connections (drain tests fire events into them). */
    final Iterable<io.netty.channel.Channel> connections;
    private final CarbonServer server;
    private final ServerLog log;
    private final Path dir;

    WsTestServer(WebSocketConfig websocket) {
        try {
            dir = Files.createTempDirectory("carbon-ws");
            Path www = Files.createDirectories(dir.resolve("www"));
            Files.writeString(www.resolve("index.html"), "ws test\n");
            ServerConfig base = new ConfigLoader(Map.of(), warning -> { }).fromSettings(Map.of(
                    "port", "0",
                    "max_threads", "2",
                    "enable_websocket", "true",
                    "www_path", www.toString(),
                    "log_file", dir.resolve("server.log").toString(),
                    "access_log", dir.resolve("access.log").toString(),
                    "shutdown_timeout", "2s",
                    "admin_port", "0"));
            ServerConfig config = new ServerConfig(base.source(), base.network(), base.http(), base.files(),
                    base.logging(), true, true, base.tls(), base.http2(), base.cache(), base.compression(), websocket,
                    base.rateLimit());
            log = ServerLog.open(config.logging());
            server = new CarbonServer(config, log);
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the WebSocket test server", e);
        }
        service = server.webSockets();
        connections = server.connections();
    }

    int port() {
        return server.port();
    }

    URI uri(String path) {
        return URI.create("ws://127.0.0.1:" + port() + path);
    }

    URI httpUri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    RawWebSocket raw(String path) throws Exception {
        return RawWebSocket.connect(port(), path);
    }

    @Override
    public void close() {
        server.shutdown();
        log.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
