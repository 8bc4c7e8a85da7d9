package io.carbon.server;

import io.carbon.testing.RawHttp;
import io.carbon.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/1.1 request timers and body framing, end to end (issue 13, defects 1, 3, 4, 5 and 8): the header
 * deadline runs from the first byte of a head whatever the keep-alive timer says, an idle keep-alive connection
 * is never sent a 408, and a body that fails to decode is answered 400, acted on never, and ends the connection.
 */
class Http1TimersAndFramingTest {

    @TempDir
    static Path temp;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        // h2c on (enable_http2), as by default, because defect 8 only showed with it.
        server = TestServer.startSite(temp, Map.of(
                "header_timeout", "1s",
                "keep_alive_timeout", "60s",
                "enable_http2", "true",
                "enable_websocket", "true"));
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static final String GET = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

    @Test
    void aHeadStartedAfterAnIdleKeepAliveGets408WithinTheHeaderTimeoutNotTheKeepAlive() throws Exception {
        try (RawHttp raw = server.raw()) {
            assertThat(raw.send(GET).read().status()).isEqualTo(200);
            Thread.sleep(1_500); // the stimulus: idle for longer than header_timeout: keep-alive, not a head
            raw.send("GET / HTTP/1.1\r\nHost");
            // The keep-alive deadline is 60 s away; the socket gives up after 20 s: only the header timer (1 s)
            // can answer in time.
            raw.timeout(20_000);
            RawHttp.Reply reply = raw.read();
            assertThat(reply.status()).isEqualTo(408);
            assertThat(reply.header("connection")).isEqualTo("close");
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsNotSentA408() throws Exception {
        try (RawHttp raw = server.raw()) {
            assertThat(raw.send(GET).read().status()).isEqualTo(200);
            Thread.sleep(2_500); // the stimulus: idle for more than twice header_timeout, far less than keep-alive
            assertThat(raw.send(GET).read().status()).isEqualTo(200);
        }
    }

    @Test
    void aSlowHeadTrickledByteByByteIsCutAtTheHeaderTimeout() throws Exception {
        try (RawHttp raw = server.raw()) {
            raw.timeout(20_000);
            // Trickled whole, the head would take 30 s, 30 times header_timeout: only that timer can cut it short.
            String head = "GET / HTTP/1.1\r\nHost: a\r\nX-Slow: " + "1234567890".repeat(12) + "\r\n";
            int sent = 0;
            try {
                for (; sent < head.length(); sent++) {
                    raw.send(head.substring(sent, sent + 1));
                    Thread.sleep(200); // the stimulus: one byte every 200 ms
                }
            } catch (java.io.IOException closed) {
                // the server may close while we are still trickling
            }
            assertThat(sent).as("the head was still being sent when the server gave up").isLessThan(head.length());
        }
    }

    @ParameterizedTest(name = "{0} with chunk line {1}")
    @CsvSource(delimiter = '|', value = {
        "POST | ffffffffffffffff1\\r\\nabc\\r\\n0\\r\\n\\r\\n",
        "GET  | ffffffffffffffff1\\r\\nabc\\r\\n0\\r\\n\\r\\n",
        "POST | 10000000000000000\\r\\nabc\\r\\n0\\r\\n\\r\\n",
        "POST | 3\\nabc\\r\\n0\\r\\n\\r\\n",
        "GET  | 3\\r\\nabc\\r\\nzz\\r\\n",
    })
    void aMalformedChunkedBodyIs400AndCloses(String method, String body) throws Exception {
        try (RawHttp raw = server.raw()) {
            raw.send(method + " / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + unescape(body)
                    + GET);
            RawHttp.Reply reply = raw.read();
            assertThat(reply.status()).isEqualTo(400);
            assertThat(reply.header("connection")).isEqualTo("close");
            assertThat(raw.closedByServer()).as("the pipelined GET is not answered").isTrue();
        }
    }

    @ParameterizedTest(name = "Transfer-Encoding: {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "foo              | HTTP/1.1 | 501",
        "foo, chunked     | HTTP/1.1 | 501",
        "identity         | HTTP/1.1 | 501",
        "gzip, chunked    | HTTP/1.1 | 501",
        "gzip             | HTTP/1.1 | 400",
        "chunked, chunked | HTTP/1.1 | 400",
        "chunked          | HTTP/1.0 | 400",
    })
    void transferCodingsAreChunkedOnly(String coding, String version, int status)
            throws Exception {
        try (RawHttp raw = server.raw()) {
            RawHttp.Reply reply = raw.send("POST / " + version + "\r\nHost: a\r\nTransfer-Encoding: " + coding
                    + "\r\n\r\n0\r\n\r\n").read();
            assertThat(reply.status()).isEqualTo(status);
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void aPublishWhoseChunkedBodyFailsToDecodeIsRefusedAndNotPublished() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<InputStream> sse = http.send(HttpRequest.newBuilder(server.uri("/ws/channels/bodies"))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader events = new BufferedReader(new InputStreamReader(sse.body(), StandardCharsets.UTF_8))) {
            assertThat(sse.statusCode()).isEqualTo(200);
            try (RawHttp raw = server.raw()) {
                RawHttp.Reply reply = raw.send("POST /ws/channels/bodies HTTP/1.1\r\nHost: a\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n").read();
                assertThat(reply.status()).isEqualTo(400);
            }
            HttpResponse<String> good = http.send(HttpRequest.newBuilder(server.uri("/ws/channels/bodies"))
                    .POST(HttpRequest.BodyPublishers.ofString("good")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(good.statusCode()).isEqualTo(204);
            String data = null;
            for (String line = events.readLine(); line != null; line = events.readLine()) {
                if (line.startsWith("data:")) {
                    data = line;
                    break;
                }
            }
            assertThat(data).as("the first event published is the good one").isEqualTo("data: good");
        }
    }

    private static String unescape(String text) {
        return text.replace("\\r", "\r").replace("\\n", "\n");
    }
}
