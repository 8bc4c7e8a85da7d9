package io.carbon.websocket;

import io.carbon.testing.Poll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;

import static io.carbon.websocket.RawWebSocket.BINARY;
import static io.carbon.websocket.RawWebSocket.CONT;
import static io.carbon.websocket.RawWebSocket.PING;
import static io.carbon.websocket.RawWebSocket.PONG;
import static io.carbon.websocket.RawWebSocket.TEXT;
import static org.assertj.core.api.Assertions.assertThat;

/** websocket_max_message_size (1009), websocket_max_connections (503), websocket_idle_timeout, back-pressure. */
class WebSocketLimitsTest {

    private static WsTestServer server(java.util.function.Consumer<WsConfig> change) {
        WsConfig config = new WsConfig();
        change.accept(config);
        return new WsTestServer(config.build());
    }

    @Test
    void aMessageOfExactlyTheLimitPassesAndOneByteMoreIsRefusedBeforeItsPayloadArrives() throws Exception {
        try (WsTestServer server = server(c -> c.maxMessageSize = 1024)) {
            try (RawWebSocket ws = server.raw("/ws")) {
                ws.send(true, BINARY, new byte[1024]);
                assertThat(ws.read().payload()).hasSize(1024);
            }
            try (RawWebSocket ws = server.raw("/ws")) {
                byte[] frame = ws.frame(true, 0, BINARY, true, new byte[1025]);
                ws.sendRaw(Arrays.copyOf(frame, 8)); // just the header: 2 + 2 length + 4 mask
                assertThat(ws.read().closeCode()).isEqualTo(1009);
                assertThat(ws.closedByServer()).isTrue();
            }
        }
    }

    @Test
    void fragmentsAddUpToTheLimit() throws Exception {
        try (WsTestServer server = server(c -> c.maxMessageSize = 1024)) {
            try (RawWebSocket ws = server.raw("/ws")) {
                ws.send(false, TEXT, "a".repeat(600).getBytes()).send(true, CONT, "b".repeat(600).getBytes());
                assertThat(ws.read().closeCode()).isEqualTo(1009);
            }
        }
    }

    @Test
    void aCompressedMessageThatInflatesBeyondTheLimitIsRefused() throws Exception {
        try (WsTestServer server = server(c -> c.maxMessageSize = 64 * 1024)) {
            Map<String, String> offer = Map.of("Sec-WebSocket-Extensions", "permessage-deflate");
            try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws", offer, -1)) {
                byte[] bomb = Deflate.compress(new Deflater(9, true), new byte[4 << 20]); // 4 MiB of zeros: ~4 KiB
                assertThat(bomb.length).isLessThan(8 * 1024);
                ws.sendRaw(ws.frame(true, 4, BINARY, true, bomb));
                assertThat(ws.read().closeCode()).isEqualTo(1009);
            }
        }
    }

    @Test
    void connectionsBeyondTheLimitGet503UntilOneCloses() throws Exception {
        try (WsTestServer server = server(c -> c.maxConnections = 2)) {
            RawWebSocket a = server.raw("/ws");
            RawWebSocket b = server.raw("/ws");
            // A session counts once it started, just after its 101.
            Poll.until("2 open WebSocket sessions", () -> server.service.openSessions(), n -> n == 2);
            try (RawWebSocket c = server.raw("/ws")) {
                assertThat(c.status).isEqualTo(503);
                assertThat(c.headers).containsKey("retry-after");
            }
            assertThat(server.service.openSessions()).isEqualTo(2);
            a.sendClose(1000, new byte[0]);
            a.awaitClose();
            a.close();
            WebSocketCloseTest.awaitNoSessionsAbove(server, 1);
            try (RawWebSocket d = server.raw("/ws")) {
                assertThat(d.status).isEqualTo(101);
                d.sendText("room again");
                assertThat(d.read().text()).isEqualTo("room again");
            }
            b.close();
        }
    }

    @Test
    void aSilentClientIsPingedThenClosedWithGoingAway() throws Exception {
        Duration idle = Duration.ofMillis(300);
        try (WsTestServer server = server(c -> c.idleTimeout = idle)) {
            long start = System.nanoTime();
            try (RawWebSocket ws = server.raw("/ws")) {
                // Each read gives up after 5 s, more than 10 times the idle timeout: only the idle timer can answer.
                assertThat(ws.read().opcode()).isEqualTo(PING);
                assertThat(System.nanoTime() - start).as("nanoseconds from connecting to the ping")
                        .isGreaterThanOrEqualTo(idle.toNanos());
                assertThat(ws.read().closeCode()).isEqualTo(1001);
                assertThat(ws.closedByServer()).isTrue();
            }
        }
    }

    @Test
    void aClientThatAnswersPingsStaysOpen() throws Exception {
        try (WsTestServer server = server(c -> c.idleTimeout = Duration.ofMillis(200));
             RawWebSocket ws = server.raw("/ws")) {
            for (int i = 0; i < 4; i++) {
                RawWebSocket.Frame ping = ws.read();
                assertThat(ping.opcode()).isEqualTo(PING);
                ws.send(true, PONG, ping.payload());
            }
            ws.sendText("alive");
            assertThat(ws.readSkippingPings().text()).isEqualTo("alive");
        }
    }

    @Test
    void anEchoClientThatDoesNotReadStopsBeingReadInsteadOfBeingBuffered() throws Exception {
        try (WsTestServer server = server(c -> { });
             RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws", Map.of(), 16 * 1024)) {
            byte[] message = ws.frame(true, 0, BINARY, true, new byte[64 * 1024]);
            int messages = 1024; // 64 MiB: far more than socket buffers hold
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < messages; i++) {
                        ws.sendRaw(message);
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(1_000); // the stimulus: the client reads nothing for a while as its writer goes on
            // The server stopped reading once its writes backed up, so the client's writes block too.
            assertThat(writer).isNotDone();
            ws.timeout(10_000);
            for (int i = 0; i < messages; i++) {
                assertThat(ws.read().payload()).hasSize(64 * 1024);
            }
            writer.get(10, TimeUnit.SECONDS);
        }
    }
}
