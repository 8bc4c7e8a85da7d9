package io.carbon.cli;

import io.carbon.config.ConfigLoader;
import io.carbon.config.ServerConfig;
import io.carbon.logging.ServerLog;
import io.carbon.server.CarbonServer;
import io.carbon.testing.LeakDetectorExtension;
import io.carbon.testing.Poll;
import io.carbon.testing.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGHUP's reload, end to end: the file is edited, the reload applies what it can to the next request on
 * connections already open, names what needs a restart, refuses a broken file whole, and never drops an
 * in-flight response or an open WebSocket.
 */
@ExtendWith(LeakDetectorExtension.class)
class ConfigReloadTest {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path dir;

    private CarbonServer server;
    private ServerLog log;

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdown();
        }
        if (log != null) {
            log.close();
        }
    }

    private Path conf;
    private ConfigReload reload;

    private void start(String settings) throws Exception {
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.writeString(www.resolve("index.html"), "hello\n");
        byte[] big = new byte[16 * 1024 * 1024];
        new Random(1).nextBytes(big);
        Files.write(www.resolve("big.bin"), big);
        conf = dir.resolve("server.conf");
        writeConf(settings);
        ConfigLoader loader = new ConfigLoader(Map.of(), warning -> { });
        ServerConfig config = loader.load(conf);
        log = ServerLog.open(config.logging());
        server = new CarbonServer(config, log);
        server.start();
        reload = new ConfigReload(loader, conf, server, log);
    }

    /** The base settings (port 0, two threads, logs under dir/log), with {@code settings} replacing any of them. */
    private void writeConf(String settings) throws Exception {
        StringBuilder text = new StringBuilder();
        for (String line : new String[] {"port = 0", "max_threads = 2", "shutdown_timeout = 2s",
                "www_path = " + dir.resolve("www"), "log_file = " + dir.resolve("log/server.log"),
                "access_log = " + dir.resolve("log/access.log"), "enable_websocket = true", "admin_port = 0"}) {
            String key = line.substring(0, line.indexOf(" = "));
            if (!settings.startsWith(key + " =") && !settings.contains("\n" + key + " =")) {
                text.append(line).append('\n');
            }
        }
        Files.writeString(conf, text + settings);
    }

    private String serverLog() throws Exception {
        return Files.readString(dir.resolve("log/server.log"));
    }

    @Test
    void editedHeadersApplyToTheNextRequestOnOpenConnectionsAndNothingIsDropped() throws Exception {
        start("cache_control = public, max-age=60\nx_frame_options = DENY\n");
        int port = server.port();
        try (RawHttp keptAlive = new RawHttp("127.0.0.1", port); RawHttp download = new RawHttp("127.0.0.1", port)) {
            RawHttp.Reply before = keptAlive.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(before.header("cache-control")).isEqualTo("public, max-age=60");
            assertThat(before.header("x-frame-options")).isEqualTo("DENY");

            // An open WebSocket and a 16 MiB response under way (read 64 KiB of it) across the reload.
            Messages messages = new Messages();
            WebSocket socket = CLIENT.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), messages).join();
            socket.sendText("before", true).join();
            assertThat(messages.next()).isEqualTo("before");
            Messages subscriber = new Messages();
            WebSocket member = CLIENT.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/channels/room"), subscriber).join();
            Poll.until("the subscriber joined", () -> server.webSockets().subscribers("room"), n -> n == 1);
            download.send("GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            byte[] start = download.readSome(64 * 1024);

            writeConf("cache_control = no-cache\nx_frame_options = SAMEORIGIN\nport = 1\nmax_threads = 3\n"
                    + "websocket_max_connections = 50\nwebsocket_max_message_size = 200\nsse_max_publish_size = 200\n");
            assertThat(reload.reload()).isTrue();

            RawHttp.Reply after = keptAlive.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(after.header("cache-control")).isEqualTo("no-cache");
            assertThat(after.header("x-frame-options")).isEqualTo("SAMEORIGIN");
            HttpResponse<String> fresh = CLIENT.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(fresh.headers().firstValue("cache-control")).hasValue("no-cache");

            socket.sendText("after", true).join();
            assertThat(messages.next()).isEqualTo("after");
            // A session opened after the reload joins the same channels as one opened before it, with the new limits.
            Messages publisher = new Messages();
            WebSocket late = CLIENT.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/channels/room"), publisher).join();
            Poll.until("both in the channel", () -> server.webSockets().subscribers("room"), n -> n == 2);
            late.sendText("across the reload", true).join();
            assertThat(subscriber.next()).isEqualTo("across the reload");
            late.sendText("x".repeat(201), true).join();
            assertThat(publisher.closed.get(10, TimeUnit.SECONDS)).as("websocket_max_message_size = 200")
                    .isEqualTo(1009);
            member.sendClose(1000, "bye").join();
            byte[] rest = download.readToEnd();
            String head = new String(start, StandardCharsets.ISO_8859_1);
            int headerEnd = head.indexOf("\r\n\r\n") + 4;
            assertThat(headerEnd).isGreaterThan(4);
            assertThat(head).startsWith("HTTP/1.1 200").contains("content-length: " + 16 * 1024 * 1024);
            assertThat(start.length - headerEnd + rest.length).isEqualTo(16 * 1024 * 1024);
            socket.sendClose(1000, "bye").join();
        }
        assertThat(server.port()).as("still on the port it started on").isNotEqualTo(1);
        String logged = serverLog();
        assertThat(logged).contains("applied x_frame_options, cache_control")
                .contains("port, max_threads changed but need a restart");
    }

    @Test
    void aBrokenFileChangesNothingAndTheLogNamesFileLineAndKey() throws Exception {
        start("cache_control = public, max-age=60\n");
        writeConf("cache_control = no-store\nmax_connections = lots\n");
        assertThat(reload.reload()).isFalse();
        HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.headers().firstValue("cache-control")).hasValue("public, max-age=60");
        int line = Files.readAllLines(conf).indexOf("max_connections = lots") + 1;
        assertThat(serverLog()).contains("reload failed").contains(conf + ":" + line + ": max_connections");
    }

    @Test
    void limitsRateLimitsAndTheLogFileChangeWithoutARestart() throws Exception {
        start("rate_limit_requests = 0\n");
        Path moved = dir.resolve("log2/server.log");
        writeConf("rate_limit_requests = 2\nrate_limit_burst = 2\nrate_limit_window = 60s\n"
                + "rate_limit_allowlist = 10.0.0.1\nmax_body_size = 10\n");
        Files.writeString(conf, Files.readString(conf).replace(dir.resolve("log/server.log").toString(),
                moved.toString()));
        assertThat(Files.readString(conf)).contains(moved.toString());
        assertThat(reload.reload()).isTrue();
        try (RawHttp raw = new RawHttp("127.0.0.1", server.port())) {
            RawHttp.Reply tooBig = raw.send("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n").read();
            assertThat(tooBig.status()).as("max_body_size = 10").isEqualTo(413);
        }
        int[] statuses = new int[3];
        for (int i = 0; i < statuses.length; i++) {
            statuses[i] = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/"))
                    .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        }
        assertThat(statuses).as("burst 2 (the 413 was refused before routing, so it took none)")
                .containsExactly(200, 200, 429);
        assertThat(Files.readString(moved)).contains("log_file");
        assertThat(CarbonServer.RESTART_KEYS).doesNotContain("rate_limit_requests", "max_body_size", "log_file");
    }

    /** Collects text messages. */
    private static final class Messages implements WebSocket.Listener {
        private final LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();
        private final StringBuilder text = new StringBuilder();
        private final CompletableFuture<Integer> closed = new CompletableFuture<>();

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                texts.add(text.toString());
                text.setLength(0);
            }
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        String next() throws InterruptedException {
            String message = texts.poll(10, TimeUnit.SECONDS);
            assertThat(message).as("a message within 10 s").isNotNull();
            return message;
        }
    }
}
