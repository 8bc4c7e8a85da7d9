package io.carbon.server;

import io.carbon.testing.Poll;
import io.carbon.testing.RawH2;
import io.carbon.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * WebSocket through the real server with real clients: Java's WebSocket client on ws:// and wss:// (HTTP/1.1
 * upgrade), channels between clients, the SSE bridge with POST publishing over HTTP/1.1 and HTTP/2, close 1001
 * on shutdown, and nothing WebSocket-shaped when the feature is off.
 */
class WebSocketEndToEndTest {

    @TempDir
    static Path temp;
    static TestServer server;
    static HttpClient h1;
    static HttpClient h2;

    @BeforeAll
    static void start() throws Exception {
        Path www = Files.createDirectories(temp.resolve("www"));
        Files.writeString(www.resolve("index.html"), "<!doctype html><title>t</title>");
        Path cert = temp.resolve("ssl/cert.pem");
        server = TestServer.start(www, Files.createDirectories(temp.resolve("log")), Map.of(
                "use_https", "true",
                "https_port", "0",
                "enable_http2", "true",
                "enable_websocket", "true",
                "ssl_cert_path", cert.toString(),
                "ssl_key_path", temp.resolve("ssl/key.pem").toString()));
        SSLContext trust = TlsAndHttp2EndToEndTest.trusting(cert);
        h1 = HttpClient.newBuilder().sslContext(trust).version(HttpClient.Version.HTTP_1_1).build();
        h2 = HttpClient.newBuilder().sslContext(trust).version(HttpClient.Version.HTTP_2).build();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static URI ws(String path) {
        return URI.create("ws://127.0.0.1:" + server.port() + path);
    }

    private static URI wss(String path) {
        return URI.create("wss://127.0.0.1:" + server.server().httpsPort() + path);
    }

    private static URI https(String path) {
        return URI.create("https://127.0.0.1:" + server.server().httpsPort() + path);
    }

    /** Collects whole messages (text as strings, binary as byte arrays) and the close code. */
    static final class Collector implements WebSocket.Listener {
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();
        private final java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket socket, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            binary.writeBytes(bytes);
            if (last) {
                messages.add(binary.toByteArray());
                binary.reset();
            }
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        Object next() throws InterruptedException {
            Object message = messages.poll(10, TimeUnit.SECONDS);
            assertThat(message).as("a message within 10 s").isNotNull();
            return message;
        }
    }

    private static WebSocket open(HttpClient client, URI uri, Collector collector) {
        return client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).buildAsync(uri, collector).join();
    }

    @Test
    void echoOnThePlainAndTheTlsPort() throws Exception {
        for (URI uri : new URI[] {ws("/ws"), wss("/ws")}) {
            Collector collector = new Collector();
            WebSocket socket = open(h1, uri, collector);
            socket.sendText("héllo, " + uri.getScheme(), true).join();
            assertThat(collector.next()).isEqualTo("héllo, " + uri.getScheme());
            byte[] big = new byte[200_000];
            new java.util.Random(5).nextBytes(big);
            socket.sendBinary(ByteBuffer.wrap(big), true).join();
            assertThat((byte[]) collector.next()).isEqualTo(big);
            socket.sendClose(1000, "bye").join();
            assertThat(collector.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1000);
        }
    }

    @Test
    void aChannelMessageReachesTheOtherSubscribersButNotTheSender() throws Exception {
        Collector alice = new Collector();
        Collector bob = new Collector();
        WebSocket a = open(h1, ws("/ws/channels/e2e-room"), alice);
        WebSocket b = open(h1, wss("/ws/channels/e2e-room"), bob);
        awaitSubscribers("e2e-room", 2);
        a.sendText("from alice 1", true).join();
        a.sendText("from alice 2", true).join();
        assertThat(bob.next()).isEqualTo("from alice 1");
        assertThat(bob.next()).isEqualTo("from alice 2");
        b.sendText("from bob", true).join();
        assertThat(alice.next()).isEqualTo("from bob");
        assertThat(alice.messages).isEmpty();
        a.sendClose(1000, "").join();
        b.sendClose(1000, "").join();
    }

    private static void awaitSubscribers(String channel, int count) {
        Poll.until(count + " subscriber(s) of channel " + channel,
                () -> server.server().webSockets().subscribers(channel), n -> n == count);
    }

    @Test
    void serverSentEventsCarryPostedAndWebSocketMessagesOverHttp1AndHttp2() throws Exception {
        for (HttpClient client : new HttpClient[] {h1, h2}) {
            String channel = "sse-" + client.version().name().toLowerCase().replace('_', '-');
            HttpResponse<java.io.InputStream> stream = client.send(HttpRequest.newBuilder(https("/ws/channels/" + channel))
                            .header("Accept", "text/event-stream").build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.statusCode()).isEqualTo(200);
            assertThat(stream.headers().firstValue("content-type")).hasValueSatisfying(
                    v -> assertThat(v).startsWith("text/event-stream"));
            try (BufferedReader events = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                awaitSubscribers(channel, 1);
                HttpResponse<String> posted = client.send(HttpRequest.newBuilder(https("/ws/channels/" + channel))
                        .POST(HttpRequest.BodyPublishers.ofString("posted\nover http")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(posted.statusCode()).isBetween(200, 204);
                Collector sender = new Collector();
                WebSocket socket = open(h1, ws("/ws/channels/" + channel), sender);
                socket.sendText("from a websocket", true).join();
                assertThat(nextEventData(events)).as(client.version().name()).isEqualTo("posted\nover http");
                assertThat(nextEventData(events)).as(client.version().name()).isEqualTo("from a websocket");
                socket.sendClose(1000, "").join();
            }
        }
    }

    /** The data of the next event (data: lines joined with LF), skipping comments and ids. */
    private static String nextEventData(BufferedReader events) throws Exception {
        StringBuilder data = null;
        for (String line = events.readLine(); line != null; line = events.readLine()) {
            if (line.isEmpty()) {
                if (data != null) {
                    return data.toString();
                }
            } else if (line.startsWith("data:")) {
                String value = line.substring(5).startsWith(" ") ? line.substring(6) : line.substring(5);
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            }
        }
        throw new AssertionError("stream ended before an event");
    }

    @Test
    void aPublishTooLargeIs413AndOtherMethodsAre405() throws Exception {
        HttpResponse<String> tooLarge = h1.send(HttpRequest.newBuilder(https("/ws/channels/limits"))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[65 * 1024])).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        HttpResponse<String> put = h2.send(HttpRequest.newBuilder(https("/ws/channels/limits"))
                        .PUT(HttpRequest.BodyPublishers.ofString("x")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(put.headers().firstValue("allow")).isPresent();
    }

    @Test
    void aPublishWithoutADeclaredLengthIsCutOffAtTheLimitToo() throws Exception {
        // HTTP/1.1 chunked: the body is counted as it arrives, not trusted from a header.
        String chunk = "x".repeat(16 * 1024);
        StringBuilder request = new StringBuilder("POST /ws/channels/limits HTTP/1.1\r\nHost: x\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < 5; i++) {
            request.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
        }
        request.append("0\r\n\r\n");
        try (var raw = server.raw()) {
            assertThat(raw.send(request.toString()).read().status()).isEqualTo(413);
        }
        // HTTP/2 with a body of unknown length (no content-length): DATA frames are counted the same way.
        HttpResponse<String> h2Answer = h2.send(HttpRequest.newBuilder(https("/ws/channels/limits"))
                        .POST(HttpRequest.BodyPublishers.ofInputStream(
                                () -> new java.io.ByteArrayInputStream(new byte[80 * 1024]))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(h2Answer.statusCode()).isEqualTo(413);
    }

    @Test
    void staticFilesAreStillServedNextToTheWebSocketPaths() throws Exception {
        assertThat(h2.send(HttpRequest.newBuilder(https("/")).build(), HttpResponse.BodyHandlers.ofString()).body())
                .contains("<title>t</title>");
    }

    @Test
    void withWebSocketOffThereIsNoExtendedConnectAndNoEndpoint() throws Exception {
        Path www = Files.createDirectories(temp.resolve("www-off"));
        try (TestServer off = TestServer.start(www, Files.createDirectories(temp.resolve("log-off")),
                Map.of("enable_http2", "true"))) {
            try (RawH2 raw = new RawH2("127.0.0.1", off.port()).handshake()) {
                assertThat(raw.serverSettings()).doesNotContainKey(0x8); // SETTINGS_ENABLE_CONNECT_PROTOCOL
            }
            CompletableFuture<WebSocket> attempt = h1.newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + off.port() + "/ws"), new Collector());
            assertThat(attempt).failsWithin(Duration.ofSeconds(10));
        }
    }

    @Test
    void shutdownClosesEveryWebSocketWith1001() throws Exception {
        Path www = Files.createDirectories(temp.resolve("www-stop"));
        TestServer stopping = TestServer.start(www, Files.createDirectories(temp.resolve("log-stop")),
                Map.of("enable_websocket", "true"));
        Collector collector = new Collector();
        WebSocket socket = open(h1, URI.create("ws://127.0.0.1:" + stopping.port() + "/ws"), collector);
        socket.sendText("ping", true).join();
        assertThat(collector.next()).isEqualTo("ping");
        stopping.stop();
        assertThat(collector.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1001);
    }
}
