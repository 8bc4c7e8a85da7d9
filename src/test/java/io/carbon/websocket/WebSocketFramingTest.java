package io.carbon.websocket;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static io.carbon.websocket.RawWebSocket.BINARY;
import static io.carbon.websocket.RawWebSocket.CLOSE;
import static io.carbon.websocket.RawWebSocket.CONT;
import static io.carbon.websocket.RawWebSocket.PING;
import static io.carbon.websocket.RawWebSocket.PONG;
import static io.carbon.websocket.RawWebSocket.TEXT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * RFC 6455 §5 over a real socket: framing (§5.2), masking (§5.3), fragmentation (§5.4) and control frames
 * (§5.5), against the echo endpoint. Every violation must close the connection with 1002.
 */
class WebSocketFramingTest {

    static WsTestServer server;

    @BeforeAll
    static void start() {
        server = new WsTestServer(new WsConfig().build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void assertProtocolError(RawWebSocket ws) throws Exception {
        RawWebSocket.Frame close = ws.readSkippingPings();
        assertThat(close.opcode()).isEqualTo(CLOSE);
        assertThat(close.closeCode()).isEqualTo(1002);
        assertThat(ws.closedByServer()).isTrue();
    }

    @Test
    void handshakeAnswers101WithTheAcceptValueOfRfc6455Section13() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            assertThat(ws.status).isEqualTo(101);
            assertThat(ws.headers.get("upgrade")).isEqualToIgnoringCase("websocket");
            assertThat(ws.headers.get("connection")).isEqualToIgnoringCase("upgrade");
            assertThat(ws.headers.get("sec-websocket-accept")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        }
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, 125, 126, 127, 65535, 65536, 200_000})
    void binaryMessagesOfEveryLengthEncodingComeBackUnchanged(int length) throws Exception {
        byte[] payload = bytes(length, length);
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.send(true, BINARY, payload);
            RawWebSocket.Frame echo = ws.read();
            assertThat(echo.fin()).isTrue();
            assertThat(echo.opcode()).isEqualTo(BINARY);
            assertThat(echo.rsv()).isZero();
            assertThat(echo.payload()).isEqualTo(payload);
        }
    }

    @Test
    void textComesBackAsText() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.sendText("Hello, κόσμε, 😀");
            RawWebSocket.Frame echo = ws.read();
            assertThat(echo.opcode()).isEqualTo(TEXT);
            assertThat(echo.text()).isEqualTo("Hello, κόσμε, 😀");
        }
    }

    @Test
    void framesSplitAcrossManyTcpReadsAreReassembled() throws Exception {
        byte[] payload = bytes(300, 3);
        try (RawWebSocket ws = server.raw("/ws")) {
            byte[] frame = ws.frame(true, 0, BINARY, true, payload);
            ws.sendInPieces(frame, 1, 1); // header byte by byte, payload byte by byte
            assertThat(ws.read().payload()).isEqualTo(payload);
        }
    }

    @Test
    void severalFramesInOneTcpWriteAreAllAnswered() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            byte[] a = ws.frame(true, 0, TEXT, true, "one".getBytes(StandardCharsets.UTF_8));
            byte[] b = ws.frame(true, 0, TEXT, true, "two".getBytes(StandardCharsets.UTF_8));
            byte[] c = ws.frame(true, 0, PING, true, "p".getBytes(StandardCharsets.UTF_8));
            byte[] all = new byte[a.length + b.length + c.length];
            System.arraycopy(a, 0, all, 0, a.length);
            System.arraycopy(b, 0, all, a.length, b.length);
            System.arraycopy(c, 0, all, a.length + b.length, c.length);
            ws.sendRaw(all);
            assertThat(ws.read().text()).isEqualTo("one");
            assertThat(ws.read().text()).isEqualTo("two");
            RawWebSocket.Frame pong = ws.read();
            assertThat(pong.opcode()).isEqualTo(PONG);
            assertThat(pong.text()).isEqualTo("p");
        }
    }

    // ---- §5.1, §5.2, §5.3: masking, reserved bits and opcodes, lengths ----

    @Test
    void unmaskedClientFrameIsAProtocolError() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.sendRaw(ws.frame(true, 0, TEXT, false, "hi".getBytes(StandardCharsets.UTF_8)));
            assertProtocolError(ws);
        }
    }

    @ParameterizedTest(name = "opcode {0}")
    @ValueSource(ints = {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF})
    void reservedOpcodesAreProtocolErrors(int opcode) throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.sendRaw(ws.frame(true, 0, opcode, true, new byte[0]));
            assertProtocolError(ws);
        }
    }

    @ParameterizedTest(name = "rsv {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7})
    void reservedBitsWithoutAnExtensionAreProtocolErrors(int rsv) throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.sendRaw(ws.frame(true, rsv, TEXT, true, "x".getBytes(StandardCharsets.UTF_8)));
            assertProtocolError(ws);
        }
    }

    @Test
    void lengthNotInShortestFormIsAProtocolError() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.sendRaw(ws.frame(true, 0, BINARY, true, new byte[10], 2));
            assertProtocolError(ws);
        }
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.sendRaw(ws.frame(true, 0, BINARY, true, new byte[1000], 8));
            assertProtocolError(ws);
        }
    }

    @Test
    void sixtyFourBitLengthWithTheTopBitSetIsAProtocolError() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.sendRaw(new byte[] {(byte) 0x82, (byte) 0xFF, (byte) 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4});
            assertProtocolError(ws);
        }
    }

    // ---- §5.4 fragmentation ----

    @Test
    void fragmentedTextIsEchoedAsOneMessage() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.send(false, TEXT, "frag".getBytes(StandardCharsets.UTF_8))
                    .send(false, CONT, "men".getBytes(StandardCharsets.UTF_8))
                    .send(false, CONT, new byte[0])
                    .send(true, CONT, "ted".getBytes(StandardCharsets.UTF_8));
            RawWebSocket.Frame echo = ws.read();
            assertThat(echo.fin()).isTrue();
            assertThat(echo.opcode()).isEqualTo(TEXT);
            assertThat(echo.text()).isEqualTo("fragmented");
        }
    }

    @Test
    void controlFramesMayComeBetweenFragments() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.send(false, BINARY, new byte[] {1, 2})
                    .send(true, PING, "mid".getBytes(StandardCharsets.UTF_8))
                    .send(true, PONG, new byte[0])
                    .send(true, CONT, new byte[] {3});
            RawWebSocket.Frame pong = ws.read();
            assertThat(pong.opcode()).as(pong.closeCode() + " " + pong.closeReason()).isEqualTo(PONG);
            assertThat(pong.text()).isEqualTo("mid");
            RawWebSocket.Frame echo = ws.read();
            assertThat(echo.opcode()).as(echo.closeCode() + " " + echo.closeReason()).isEqualTo(BINARY);
            assertThat(echo.payload()).containsExactly(1, 2, 3);
        }
    }

    @Test
    void continuationWithoutAMessageIsAProtocolError() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.send(true, CONT, "x".getBytes(StandardCharsets.UTF_8));
            assertProtocolError(ws);
        }
    }

    @Test
    void newMessageBeforeTheFragmentedOneEndedIsAProtocolError() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.send(false, TEXT, "a".getBytes(StandardCharsets.UTF_8)).send(true, TEXT, "b".getBytes(StandardCharsets.UTF_8));
            assertProtocolError(ws);
        }
    }

    @Test
    void manySmallFragmentsAcrossReadsMakeOneMessage() throws Exception {
        byte[] payload = bytes(1000, 9);
        try (RawWebSocket ws = server.raw("/ws")) {
            for (int i = 0; i < payload.length; i += 100) {
                ws.send(i + 100 >= payload.length, i == 0 ? BINARY : CONT, Arrays.copyOfRange(payload, i, i + 100));
            }
            assertThat(ws.read().payload()).isEqualTo(payload);
        }
    }

    // ---- §5.5 control frames ----

    @Test
    void pingIsAnsweredWithAPongCarryingTheSamePayload() throws Exception {
        byte[] max = bytes(125, 1);
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.send(true, PING, new byte[0]).send(true, PING, max);
            assertThat(ws.read()).satisfies(f -> {
                assertThat(f.opcode()).isEqualTo(PONG);
                assertThat(f.payload()).isEmpty();
            });
            assertThat(ws.read()).satisfies(f -> {
                assertThat(f.opcode()).isEqualTo(PONG);
                assertThat(f.payload()).isEqualTo(max);
            });
        }
    }

    @Test
    void unsolicitedPongIsIgnored() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.send(true, PONG, "unasked".getBytes(StandardCharsets.UTF_8)).sendText("still here");
            assertThat(ws.read().text()).isEqualTo("still here");
        }
    }

    @Test
    void controlFrameOver125BytesIsAProtocolError() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.send(true, PING, new byte[126]);
            assertProtocolError(ws);
        }
    }

    @Test
    void fragmentedControlFrameIsAProtocolError() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.send(false, PING, "x".getBytes(StandardCharsets.UTF_8));
            assertProtocolError(ws);
        }
    }

    @Test
    void reservedBitOnAControlFrameIsAProtocolError() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.sendRaw(ws.frame(true, 4, PING, true, new byte[0]));
            assertProtocolError(ws);
        }
    }

    @Test
    void pingSplitAcrossReadsIsStillAnswered() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.sendInPieces(ws.frame(true, 0, PING, true, "slow ping".getBytes(StandardCharsets.UTF_8)), 3, 5);
            assertThat(ws.read().text()).isEqualTo("slow ping");
        }
    }
}
