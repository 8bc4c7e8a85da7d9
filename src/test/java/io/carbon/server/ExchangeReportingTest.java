package io.carbon.server;

import io.carbon.testing.RawHttp;
import io.carbon.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every exchange reports, end to end through the JSON access log: upgrades go through the route table
 * and are reported like any other exchange, cache hits, content codings, body bytes in, and why an exchange was
 * cut short (issue 13: listeners get what metrics and logs need, exactly once).
 */
class ExchangeReportingTest {

    @TempDir
    static Path temp;
    static Path logs;
    static TestServer server;
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        Path www = Files.createDirectories(temp.resolve("www"));
        Files.writeString(www.resolve("index.html"), "hello\n");
        Files.writeString(www.resolve("page.css"), "body { color: black; }\n".repeat(200));
        logs = Files.createDirectories(temp.resolve("log"));
        server = TestServer.start(www, logs, Map.of("access_log_format", "json", "enable_websocket", "true",
                "header_timeout", "1s"));
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static HttpResponse<String> get(String path, String... headers) throws Exception {
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(server.uri(path));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The access log lines whose target is {@code target}, once there are {@code count} of them. */
    private static List<String> lines(String target, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> found = List.of();
        while (System.nanoTime() < deadline) {
            Path file = logs.resolve("access.log");
            if (Files.exists(file)) {
                found = Files.readAllLines(file).stream().filter(l -> l.contains("\"target\":\"" + target + "\""))
                        .toList();
                if (found.size() >= count) {
                    return found;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("expected " + count + " access log lines for " + target + ", got " + found);
    }

    @Test
    void theSecondRequestForAFileIsACacheHit() throws Exception {
        assertThat(get("/index.html").statusCode()).isEqualTo(200);
        assertThat(get("/index.html").statusCode()).isEqualTo(200);
        List<String> lines = lines("/index.html", 2);
        assertThat(lines.get(0)).contains("\"cache_hit\":false");
        assertThat(lines.get(1)).contains("\"cache_hit\":true").contains("\"status\":200")
                .contains("\"response_bytes\":6").doesNotContain("\"cut\"");
    }

    @Test
    void theContentCodingIsReported() throws Exception {
        HttpResponse<String> response = get("/page.css", "Accept-Encoding", "gzip");
        assertThat(response.headers().firstValue("content-encoding")).hasValue("gzip");
        assertThat(lines("/page.css", 1).get(0)).contains("\"content_encoding\":\"gzip\"");
    }

    @Test
    void aWebSocketUpgradeIsAnExchangeOfTheRouteTableReportedAsATunnel() throws Exception {
        CompletableFuture<WebSocket> opened = CLIENT.newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/ws"), new WebSocket.Listener() { });
        WebSocket ws = opened.get(10, TimeUnit.SECONDS);
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
        String line = lines("/ws", 1).get(0);
        assertThat(line).contains("\"method\":\"GET\"").contains("\"status\":101").contains("\"cut\":\"tunnel\"");
    }

    @Test
    void aBodyRefusedByTheMethodRuleStillCountsTheBytesReceived() throws Exception {
        try (RawHttp raw = server.raw()) {
            assertThat(raw.send("POST /posted HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello").read().status())
                    .isEqualTo(405);
        }
        assertThat(lines("/posted", 1).get(0)).contains("\"status\":405").contains("\"request_bytes\":5");
    }

    @Test
    void aClientThatLeavesMidBodyIsReportedOnceAsGone() throws Exception {
        try (RawHttp raw = server.raw()) {
            raw.send("POST /left HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nonly part");
            Thread.sleep(100); // the stimulus: the body has begun to arrive when the client goes
        }
        String line = lines("/left", 1).get(0);
        assertThat(line).contains("\"status\":499").contains("\"cut\":\"client_gone\"")
                .contains("\"request_bytes\":9");
    }

    @Test
    void aRequestCutByTheHeaderTimeoutIsReportedAsATimeout() throws Exception {
        try (RawHttp raw = server.raw()) {
            raw.send("POST /slow HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nx");
            assertThat(raw.read().status()).isEqualTo(408);
        }
        assertThat(lines("/slow", 1).get(0)).contains("\"status\":408").contains("\"cut\":\"timeout\"");
    }
}
