package io.carbon.websocket;

import io.carbon.testing.Poll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.carbon.websocket.RawWebSocket.BINARY;
import static io.carbon.websocket.RawWebSocket.CLOSE;
import static io.carbon.websocket.RawWebSocket.PING;
import static io.carbon.websocket.RawWebSocket.PONG;
import static io.carbon.websocket.RawWebSocket.TEXT;
import static org.assertj.core.api.Assertions.assertThat;

/** Channels: fan-out to the other subscribers in order per sender, bounded queues, and the hub's limits. */
class ChannelsTest {

    private static WsTestServer server(Consumer<WsConfig> change) {
        WsConfig config = new WsConfig();
        change.accept(config);
        return new WsTestServer(config.build());
    }

    /** Proves nothing is waiting for {@code ws}: a ping's pong must be the very next frame. */
    private static void assertNothingReceived(RawWebSocket ws) throws Exception {
        ws.send(true, PING, "probe".getBytes(StandardCharsets.UTF_8));
        RawWebSocket.Frame next = ws.read();
        assertThat(next.opcode()).as("next frame").isEqualTo(PONG);
    }

    static void awaitSubscribers(WsTestServer server, String channel, int subscribers) {
        Poll.until(subscribers + " subscriber(s) of channel " + channel,
                () -> server.service.subscribers(channel), n -> n == subscribers);
    }

    private static void awaitChannels(WsTestServer server, int channels) {
        Poll.until(channels + " channel(s)", () -> server.service.channels(), n -> n == channels);
    }

    @Test
    void aMessageGoesToEveryOtherSubscriberOfTheChannelInOrder() throws Exception {
        try (WsTestServer server = server(c -> { });
             RawWebSocket a = server.raw("/ws/channels/room");
             RawWebSocket b = server.raw("/ws/channels/room");
             RawWebSocket c = server.raw("/ws/channels/room");
             RawWebSocket other = server.raw("/ws/channels/other")) {
            awaitSubscribers(server, "room", 3);
            awaitSubscribers(server, "other", 1);
            for (int i = 0; i < 100; i++) {
                a.sendText("m" + i);
            }
            a.send(true, BINARY, new byte[] {9, 8, 7});
            for (RawWebSocket receiver : List.of(b, c)) {
                for (int i = 0; i < 100; i++) {
                    RawWebSocket.Frame frame = receiver.read();
                    assertThat(frame.opcode()).isEqualTo(TEXT);
                    assertThat(frame.text()).isEqualTo("m" + i);
                }
                RawWebSocket.Frame binary = receiver.read();
                assertThat(binary.opcode()).isEqualTo(BINARY);
                assertThat(binary.payload()).containsExactly(9, 8, 7);
            }
            assertNothingReceived(a); // the sender does not get its own messages
            assertNothingReceived(other); // and another channel gets nothing
        }
    }

    @Test
    void twoConcurrentSendersKeepTheirOwnOrderAtEveryReceiver() throws Exception {
        int perSender = 500;
        try (WsTestServer server = server(c -> c.queueSize = 4096);
             RawWebSocket a = server.raw("/ws/channels/mix");
             RawWebSocket b = server.raw("/ws/channels/mix");
             RawWebSocket r1 = server.raw("/ws/channels/mix");
             RawWebSocket r2 = server.raw("/ws/channels/mix")) {
            awaitSubscribers(server, "mix", 4);
            CompletableFuture<Void> sendA = CompletableFuture.runAsync(() -> sendAll(a, "a", perSender));
            CompletableFuture<Void> sendB = CompletableFuture.runAsync(() -> sendAll(b, "b", perSender));
            for (RawWebSocket receiver : List.of(r1, r2)) {
                int nextA = 0;
                int nextB = 0;
                for (int i = 0; i < 2 * perSender; i++) {
                    String text = receiver.read().text();
                    if (text.startsWith("a")) {
                        assertThat(text).isEqualTo("a" + nextA++);
                    } else {
                        assertThat(text).isEqualTo("b" + nextB++);
                    }
                }
                assertThat(nextA).isEqualTo(perSender);
                assertThat(nextB).isEqualTo(perSender);
            }
            sendA.get(5, TimeUnit.SECONDS);
            sendB.get(5, TimeUnit.SECONDS);
        }
    }

    private static void sendAll(RawWebSocket ws, String prefix, int count) {
        try {
            for (int i = 0; i < count; i++) {
                ws.sendText(prefix + i);
            }
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    void aSubscriberThatFallsBehindIsClosedWith1008AndCountedWhileOthersGetEverything() throws Exception {
        int messages = 300;
        byte[] payload = new byte[64 * 1024];
        try (WsTestServer server = server(c -> c.queueSize = 8);
             RawWebSocket sender = server.raw("/ws/channels/feed");
             RawWebSocket healthy = server.raw("/ws/channels/feed");
             RawWebSocket slow = RawWebSocket.connect(server.port(), "/ws/channels/feed", Map.of(), 8 * 1024)) {
            awaitSubscribers(server, "feed", 3);
            // The healthy subscriber keeps up (the sender waits for it, a few messages ahead at most); the slow
            // one never reads until the end, so 19 MiB cannot fit in its socket buffers plus 8 queued messages.
            Semaphore window = new Semaphore(4);
            CompletableFuture<Integer> healthyReads = CompletableFuture.supplyAsync(() -> {
                try {
                    int n = 0;
                    while (n < messages) {
                        assertThat(healthy.read().payload()).hasSize(payload.length);
                        n++;
                        window.release();
                    }
                    return n;
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            for (int i = 0; i < messages; i++) {
                assertThat(window.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
                sender.send(true, BINARY, payload);
            }
            assertThat(healthyReads.get(10, TimeUnit.SECONDS)).isEqualTo(messages);
            // Only now does the slow subscriber read: what fitted in its buffers, then the 1008.
            slow.timeout(10_000);
            int received = 0;
            RawWebSocket.Frame frame;
            while ((frame = slow.read()).opcode() != CLOSE) {
                received++;
            }
            assertThat(frame.closeCode()).isEqualTo(1008);
            assertThat(received).isLessThan(messages);
            assertThat(server.service.droppedSubscribers()).isEqualTo(1);
            slow.sendClose(1008, new byte[0]);
            assertThat(slow.closedByServer()).isTrue();
        }
    }

    @Test
    void subscribersPerChannelAreBounded() throws Exception {
        try (WsTestServer server = server(c -> c.maxSubscribers = 2);
             RawWebSocket a = server.raw("/ws/channels/small");
             RawWebSocket b = server.raw("/ws/channels/small")) {
            assertThat(a.status).isEqualTo(101);
            assertThat(b.status).isEqualTo(101);
            awaitSubscribers(server, "small", 2);
            try (RawWebSocket c = server.raw("/ws/channels/small");
                 RawWebSocket elsewhere = server.raw("/ws/channels/elsewhere")) {
                assertThat(c.status).isEqualTo(503);
                assertThat(elsewhere.status).isEqualTo(101);
            }
        }
    }

    @Test
    void channelsAreBoundedAndEmptyChannelsAreRemoved() throws Exception {
        try (WsTestServer server = server(c -> c.maxChannels = 1)) {
            RawWebSocket first = server.raw("/ws/channels/one");
            RawWebSocket again = server.raw("/ws/channels/one");
            awaitChannels(server, 1);
            try (RawWebSocket second = server.raw("/ws/channels/two")) {
                assertThat(second.status).isEqualTo(503);
            }
            assertThat(again.status).isEqualTo(101);
            awaitSubscribers(server, "one", 2);
            for (RawWebSocket ws : List.of(first, again)) {
                ws.sendClose(1000, new byte[0]);
                ws.awaitClose();
                ws.close();
            }
            awaitChannels(server, 0);
            try (RawWebSocket second = server.raw("/ws/channels/two")) {
                assertThat(second.status).isEqualTo(101);
            }
        }
    }

    @Test
    void shutdownClosesChannelSubscribersWithGoingAway() throws Exception {
        try (WsTestServer server = server(c -> { });
             RawWebSocket a = server.raw("/ws/channels/x");
             RawWebSocket b = server.raw("/ws/channels/x")) {
            awaitSubscribers(server, "x", 2);
            server.service.shutdown();
            List<Integer> codes = new ArrayList<>();
            for (RawWebSocket ws : List.of(a, b)) {
                codes.add(ws.awaitClose());
                ws.sendClose(1001, new byte[0]);
            }
            assertThat(codes).containsExactly(1001, 1001);
            WebSocketCloseTest.awaitNoSessions(server);
            awaitChannels(server, 0);
        }
    }
}
