package io.carbon.websocket;

import io.carbon.http.DrainEvent;
import io.carbon.testing.Poll;
import io.netty.channel.Channel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static io.carbon.websocket.RawWebSocket.CLOSE;
import static io.carbon.websocket.RawWebSocket.TEXT;
import static org.assertj.core.api.Assertions.assertThat;

/** The closing handshake (RFC 6455 §5.5.1, §7) and close status codes (§7.4). */
class WebSocketCloseTest {

    static WsTestServer server;

    @BeforeAll
    static void start() {
        server = new WsTestServer(new WsConfig().build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void closeIsAnsweredWithTheSameCodeThenTheServerClosesTheConnection() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.sendClose(1000, "bye".getBytes(StandardCharsets.UTF_8));
            RawWebSocket.Frame close = ws.read();
            assertThat(close.opcode()).isEqualTo(CLOSE);
            assertThat(close.closeCode()).isEqualTo(1000);
            assertThat(ws.closedByServer()).isTrue(); // §7.1.1: the server closes TCP first
        }
    }

    @Test
    void closeWithoutPayloadIsAnsweredWithNormalClosure() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.sendClose(-1, new byte[0]);
            assertThat(ws.read().closeCode()).isEqualTo(1000);
            assertThat(ws.closedByServer()).isTrue();
        }
    }

    @ParameterizedTest(name = "code {0}")
    @ValueSource(ints = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999})
    void validCodesAreEchoed(int code) throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.sendClose(code, "reason".getBytes(StandardCharsets.UTF_8));
            assertThat(ws.read().closeCode()).isEqualTo(code);
            assertThat(ws.closedByServer()).isTrue();
        }
    }

    @ParameterizedTest(name = "code {0}")
    @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535})
    void invalidCodesAreProtocolErrors(int code) throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.sendClose(code, new byte[0]);
            assertThat(ws.read().closeCode()).isEqualTo(1002);
            assertThat(ws.closedByServer()).isTrue();
        }
    }

    @Test
    void closeWithOneBytePayloadIsAProtocolError() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.send(true, CLOSE, new byte[] {3});
            assertThat(ws.read().closeCode()).isEqualTo(1002);
        }
    }

    @Test
    void closeReasonThatIsNotUtf8IsAProtocolError() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            // Autobahn 7.5.1's reason: valid UTF-8 up to an encoded surrogate (ED A0 80).
            byte[] reason = {(byte) 0xce, (byte) 0xba, (byte) 0xe1, (byte) 0xbd, (byte) 0xb9, (byte) 0xcf, (byte) 0x83,
                    (byte) 0xce, (byte) 0xbc, (byte) 0xce, (byte) 0xb5, (byte) 0xed, (byte) 0xa0, (byte) 0x80, 0x65, 0x64};
            ws.sendClose(1000, reason);
            assertThat(ws.read().closeCode()).isEqualTo(1002);
        }
    }

    @Test
    void closeWithTheLongestReasonIsEchoed() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.sendClose(1000, "r".repeat(123).getBytes(StandardCharsets.UTF_8));
            assertThat(ws.read().closeCode()).isEqualTo(1000);
        }
    }

    @Test
    void nothingAfterTheCloseFrameIsProcessed() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            byte[] close = ws.frame(true, 0, CLOSE, true, new byte[] {0x03, (byte) 0xE8});
            byte[] text = ws.frame(true, 0, TEXT, true, "late".getBytes(StandardCharsets.UTF_8));
            byte[] both = new byte[close.length + text.length];
            System.arraycopy(close, 0, both, 0, close.length);
            System.arraycopy(text, 0, both, close.length, text.length);
            ws.sendRaw(both);
            assertThat(ws.read().opcode()).isEqualTo(CLOSE);
            assertThat(ws.closedByServer()).isTrue();
        }
    }

    @Test
    void closeInTheMiddleOfAFragmentedMessageDropsTheMessage() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.send(false, TEXT, "part".getBytes(StandardCharsets.UTF_8)).sendClose(1000, new byte[0]);
            assertThat(ws.read().closeCode()).isEqualTo(1000);
            assertThat(ws.closedByServer()).isTrue();
        }
    }

    @Test
    void shutdownSendsGoingAwayAndClosesWhenTheClientAnswers() throws Exception {
        try (WsTestServer own = new WsTestServer(new WsConfig().build());
             RawWebSocket ws = own.raw("/ws")) {
            ws.sendText("hi");
            assertThat(ws.read().text()).isEqualTo("hi");
            assertThat(own.service.openSessions()).isEqualTo(1);
            own.service.shutdown();
            RawWebSocket.Frame close = ws.read();
            assertThat(close.closeCode()).isEqualTo(1001);
            ws.sendText("ignored after the server's close");
            ws.sendClose(1001, new byte[0]);
            assertThat(ws.closedByServer()).isTrue();
            awaitNoSessions(own);
            // New handshakes are refused while shutting down.
            try (RawWebSocket late = own.raw("/ws")) {
                assertThat(late.status).isEqualTo(503);
            }
        }
    }

    @Test
    void drainEventSendsGoingAway() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.sendText("x");
            ws.read();
            for (Channel connection : server.connections) {
                connection.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
            }
            assertThat(ws.read().closeCode()).isEqualTo(1001);
            ws.sendClose(1001, new byte[0]);
            assertThat(ws.closedByServer()).isTrue();
        }
    }

    @Test
    void clientThatNeverAnswersTheCloseIsDisconnectedAfterTheIdleTimeout() throws Exception {
        WsConfig config = new WsConfig();
        config.idleTimeout = java.time.Duration.ofMillis(300);
        try (WsTestServer own = new WsTestServer(config.build()); RawWebSocket ws = own.raw("/ws")) {
            long start = System.nanoTime();
            own.service.shutdown();
            assertThat(ws.read().closeCode()).isEqualTo(1001);
            // The socket gives up after 5 s, more than 10 times the idle timeout: only the short close wait can
            // end the connection in time; and it waited for the client's answer rather than closing at once.
            assertThat(ws.closedByServer()).isTrue();
            assertThat(System.nanoTime() - start).as("nanoseconds from the shutdown to the close")
                    .isGreaterThanOrEqualTo(config.idleTimeout.toNanos());
        }
    }

    static void awaitNoSessionsAbove(WsTestServer server, int sessions) {
        Poll.until("at most " + sessions + " open WebSocket session(s)",
                () -> server.service.openSessions(), n -> n <= sessions);
    }

    static void awaitNoSessions(WsTestServer server) {
        awaitNoSessionsAbove(server, 0);
    }
}
