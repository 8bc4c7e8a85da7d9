package io.carbon.testing;

import io.carbon.config.ConfigLoader;
import io.carbon.config.ServerConfig;
import io.carbon.logging.ServerLog;
import io.carbon.server.CarbonServer;

import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** A real Carbon on an ephemeral port, configured through the same loader users go through. */
public final class TestServer implements AutoCloseable {

    private final CarbonServer server;
    private final ServerConfig config;
    private final ServerLog log;
    private final Map<String, String> settings;
    private boolean stopped;

    private TestServer(CarbonServer server, ServerConfig config, ServerLog log, Map<String, String> settings) {
        this.server = server;
        this.config = config;
        this.log = log;
        this.settings = Map.copyOf(settings);
    }

    /**
     * @param www      the document root
     * @param logDir   where the server log and access log go
     * @param settings extra server.conf keys (port is 0 unless given)
     */
    public static TestServer start(Path www, Path logDir, Map<String, String> settings) throws Exception {
        Map<String, String> all = new HashMap<>();
        all.put("port", "0");
        all.put("max_threads", "2");
        all.put("www_path", www.toString());
        all.put("log_file", logDir.resolve("server.log").toString());
        all.put("access_log", logDir.resolve("access.log").toString());
        all.put("shutdown_timeout", "2s");
        // No admin listener unless a test asks for one: 9180 would collide between servers and builds.
        all.put("admin_port", "0");
        all.putAll(settings);
        ServerConfig config = new ConfigLoader(Map.of(), warning -> { }).fromSettings(all);
        ServerLog log = ServerLog.open(config.logging());
        CarbonServer server = new CarbonServer(config, log);
        server.start();
        return new TestServer(server, config, log, all);
    }

    /**
     * A server whose document root is {@code dir/www} with an {@code index.html} of "hello\n", logging to
     * {@code dir/log}: what most end-to-end tests need.
     */
    public static TestServer startSite(Path dir, Map<String, String> settings) throws Exception {
        Path www = java.nio.file.Files.createDirectories(dir.resolve("www"));
        java.nio.file.Files.writeString(www.resolve("index.html"), "hello\n");
        return start(www, java.nio.file.Files.createDirectories(dir.resolve("log")), settings);
    }

    public int port() {
        return server.port();
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    /**
     * A plain socket to the HTTP port from {@code localAddress} (127.0.0.2, 127.0.0.3, ...: Linux answers on all
     * of 127.0.0.0/8), so that one test plays several client hosts; 10 s read timeout.
     */
    public java.net.Socket connectFrom(String localAddress) throws java.io.IOException {
        java.net.Socket socket = new java.net.Socket();
        socket.bind(new java.net.InetSocketAddress(localAddress, 0));
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port()));
        socket.setSoTimeout(10_000);
        return socket;
    }

    public RawHttp raw() throws Exception {
        return new RawHttp("127.0.0.1", port());
    }

    public CarbonServer server() {
        return server;
    }

    /** Every setting the server was started with (to build a changed configuration for a reload). */
    public Map<String, String> settings() {
        return settings;
    }

    public ServerConfig config() {
        return config;
    }

    /** Graceful stop (drains the access log); safe to call twice. */
    public void stop() {
        if (!stopped) {
            stopped = true;
            server.shutdown();
            log.close();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
