package io.carbon.websocket;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The JDK's WebSocket client (java.net.http) against the echo endpoint: the happy paths a real client takes. */
class JdkClientTest {

    static WsTestServer server;
    static HttpClient http;

    @BeforeAll
    static void start() {
        WsConfig config = new WsConfig();
        config.subprotocols = List.of("carbon.v1", "carbon.v0");
        server = new WsTestServer(config.build());
        http = HttpClient.newHttpClient();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Collects whole messages (the JDK hands over parts) and the close. */
    static final class Collector implements WebSocket.Listener {
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();
        private java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            binary.writeBytes(bytes);
            if (last) {
                messages.add(binary.toByteArray());
                binary = new java.io.ByteArrayOutputStream();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
            messages.add("pong:" + java.nio.charset.StandardCharsets.UTF_8.decode(message));
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        Object next() throws InterruptedException {
            Object message = messages.poll(5, TimeUnit.SECONDS);
            assertThat(message).as("a message within 5 s").isNotNull();
            return message;
        }
    }

    @Test
    void echoesTextBinaryAndPingsWithTheSelectedSubprotocol() throws Exception {
        Collector collector = new Collector();
        WebSocket ws = http.newWebSocketBuilder().subprotocols("other", "carbon.v0", "carbon.v1")
                .buildAsync(server.uri("/ws"), collector).get(5, TimeUnit.SECONDS);
        assertThat(ws.getSubprotocol()).isEqualTo("carbon.v0");
        ws.sendText("hello", true).get();
        assertThat(collector.next()).isEqualTo("hello");
        // Sent in parts by the client: the server answers with one message.
        ws.sendText("par", false).get();
        ws.sendText("ts", true).get();
        assertThat(collector.next()).isEqualTo("parts");
        String big = "x".repeat(300_000);
        ws.sendText(big, true).get();
        assertThat(collector.next()).isEqualTo(big);
        ws.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3}), true).get();
        assertThat((byte[]) collector.next()).containsExactly(1, 2, 3);
        ws.sendPing(ByteBuffer.wrap("are you there".getBytes())).get();
        assertThat(collector.next()).isEqualTo("pong:are you there");
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get();
        assertThat(collector.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1000);
    }

    @Test
    void manyMessagesInFlightComeBackInOrder() throws Exception {
        Collector collector = new Collector();
        WebSocket ws = http.newWebSocketBuilder().buildAsync(server.uri("/ws"), collector).get(5, TimeUnit.SECONDS);
        for (int i = 0; i < 2000; i++) {
            ws.sendText("message " + i, true).get();
        }
        for (int i = 0; i < 2000; i++) {
            assertThat(collector.next()).isEqualTo("message " + i);
        }
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get();
        collector.closed.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aRejectedHandshakeIsReportedToTheClient() {
        CompletableFuture<WebSocket> future = http.newWebSocketBuilder()
                .buildAsync(server.uri("/ws/channels/not%20valid!"), new Collector());
        assertThat(future).failsWithin(5, TimeUnit.SECONDS);
    }
}
