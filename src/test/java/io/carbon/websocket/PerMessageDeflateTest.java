package io.carbon.websocket;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import static io.carbon.websocket.RawWebSocket.BINARY;
import static io.carbon.websocket.RawWebSocket.CONT;
import static io.carbon.websocket.RawWebSocket.TEXT;
import static org.assertj.core.api.Assertions.assertThat;

/** RFC 7692 permessage-deflate: negotiation, both directions, with and without context takeover. */
class PerMessageDeflateTest {

    static WsTestServer server;

    @BeforeAll
    static void start() {
        server = new WsTestServer(new WsConfig().build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static RawWebSocket offer(String extensions) throws Exception {
        return RawWebSocket.connect(server.port(), "/ws", Map.of("Sec-WebSocket-Extensions", extensions), -1);
    }

    private static String message(int i) {
        return "{\"type\":\"chat\",\"channel\":\"lobby\",\"seq\":" + i + ",\"text\":\"hello, everybody, hello again\"}";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "permessage-deflate                                            | permessage-deflate; server_no_context_takeover",
            "permessage-deflate; client_max_window_bits                    | permessage-deflate; server_no_context_takeover",
            "permessage-deflate; client_max_window_bits=10                 | permessage-deflate; server_no_context_takeover",
            "permessage-deflate; client_max_window_bits=\"12\"             | permessage-deflate; server_no_context_takeover",
            "permessage-deflate; client_no_context_takeover                | permessage-deflate; server_no_context_takeover; client_no_context_takeover",
            "permessage-deflate; server_no_context_takeover                | permessage-deflate; server_no_context_takeover",
            "permessage-deflate; server_max_window_bits=15                 | permessage-deflate; server_no_context_takeover; server_max_window_bits=15",
            "permessage-deflate; server_max_window_bits=10, permessage-deflate | permessage-deflate; server_no_context_takeover; server_max_window_bits=10",
            "permessage-deflate; server_max_window_bits=8                  | permessage-deflate; server_no_context_takeover; server_max_window_bits=8",
            "permessage-deflate; mystery, permessage-deflate; client_no_context_takeover | permessage-deflate; server_no_context_takeover; client_no_context_takeover",
            "x-webkit-deflate-frame, permessage-deflate                    | permessage-deflate; server_no_context_takeover",
            "PerMessage-Deflate                                            | permessage-deflate; server_no_context_takeover",
    })
    void acceptsTheFirstOfferItCanHonour(String offer, String expected) throws Exception {
        try (RawWebSocket ws = offer(offer)) {
            assertThat(ws.status).isEqualTo(101);
            assertThat(ws.headers.get("sec-websocket-extensions")).isEqualTo(expected);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "permessage-deflate; server_max_window_bits",     // a value is required
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; client_max_window_bits=7",
            "permessage-deflate; client_max_window_bits=16",
            "permessage-deflate; client_max_window_bits=010",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; mystery",
            "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
            "permessage-deflate; client_max_window_bits=\"1 0\"",
            "x-webkit-deflate-frame",
            "permessage-deflate;;",
    })
    void declinesOffersItCannotHonourAndStillOpens(String offer) throws Exception {
        try (RawWebSocket ws = offer(offer)) {
            assertThat(ws.status).isEqualTo(101);
            assertThat(ws.headers).doesNotContainKey("sec-websocket-extensions");
            // Without the extension, RSV1 is a protocol error.
            ws.sendRaw(ws.frame(true, 4, TEXT, true, "x".getBytes(StandardCharsets.UTF_8)));
            assertThat(ws.read().closeCode()).isEqualTo(1002);
        }
    }

    @Test
    void clientContextTakeoverAcrossMessagesAndServerMessagesCompressedOnTheirOwn() throws Exception {
        Deflater clientDeflater = new Deflater(6, true); // never reset: later messages refer to earlier ones
        try (RawWebSocket ws = offer("permessage-deflate")) {
            for (int i = 0; i < 20; i++) {
                byte[] plain = message(i).getBytes(StandardCharsets.UTF_8);
                byte[] compressed = Deflate.compress(clientDeflater, plain);
                if (i > 0) {
                    assertThat(compressed.length).isLessThan(plain.length / 2); // context made it small
                }
                ws.sendRaw(ws.frame(true, 4, TEXT, true, compressed));
                RawWebSocket.Frame echo = ws.read();
                assertThat(echo.rsv()).isEqualTo(4);
                assertThat(echo.opcode()).isEqualTo(TEXT);
                // server_no_context_takeover: every server message inflates with a fresh inflater.
                assertThat(new String(Deflate.decompress(new Inflater(true), echo.payload()), StandardCharsets.UTF_8))
                        .isEqualTo(message(i));
            }
        }
        clientDeflater.end();
    }

    @Test
    void clientWithoutContextTakeover() throws Exception {
        try (RawWebSocket ws = offer("permessage-deflate; client_no_context_takeover")) {
            for (int i = 0; i < 5; i++) {
                Deflater fresh = new Deflater(6, true);
                ws.sendRaw(ws.frame(true, 4, TEXT, true, Deflate.compress(fresh, message(i).getBytes(StandardCharsets.UTF_8))));
                fresh.end();
                RawWebSocket.Frame echo = ws.read();
                assertThat(new String(Deflate.decompress(new Inflater(true), echo.payload()), StandardCharsets.UTF_8))
                        .isEqualTo(message(i));
            }
        }
    }

    @Test
    void compressedMessageFragmentedIntoOneByteFrames() throws Exception {
        byte[] plain = new byte[5000];
        new Random(5).nextBytes(plain);
        Arrays.fill(plain, 1000, 4000, (byte) 'z');
        byte[] compressed = Deflate.compress(new Deflater(6, true), plain);
        try (RawWebSocket ws = offer("permessage-deflate")) {
            for (int i = 0; i < compressed.length; i++) {
                boolean first = i == 0;
                boolean last = i == compressed.length - 1;
                // RFC 7692 §6.1: RSV1 on the first frame only.
                ws.sendRaw(ws.frame(last, first ? 4 : 0, first ? BINARY : CONT, true, new byte[] {compressed[i]}));
            }
            RawWebSocket.Frame echo = ws.read();
            assertThat(echo.opcode()).isEqualTo(BINARY);
            assertThat(Deflate.decompress(new Inflater(true), echo.payload())).isEqualTo(plain);
        }
    }

    @Test
    void aSmallServerWindowIsKeptBySendingLongerMessagesUncompressed() throws Exception {
        try (RawWebSocket ws = offer("permessage-deflate; server_max_window_bits=10")) {
            byte[] fits = "abcdefgh".repeat(128).getBytes(StandardCharsets.UTF_8); // 1024 bytes = the window
            ws.send(true, BINARY, fits);
            RawWebSocket.Frame compressed = ws.read();
            assertThat(compressed.rsv()).isEqualTo(4);
            Inflater smallWindow = new Inflater(true);
            assertThat(Deflate.decompress(smallWindow, compressed.payload())).isEqualTo(fits);
            byte[] longer = Arrays.copyOf(fits, 1025);
            ws.send(true, BINARY, longer);
            RawWebSocket.Frame plain = ws.read();
            assertThat(plain.rsv()).isZero();
            assertThat(plain.payload()).isEqualTo(longer);
        }
    }

    @Test
    void uncompressedMessagesAreStillAllowedAndSmallRepliesGoUncompressed() throws Exception {
        try (RawWebSocket ws = offer("permessage-deflate")) {
            ws.sendText("plain");
            RawWebSocket.Frame echo = ws.read();
            assertThat(echo.rsv()).isZero(); // below 64 bytes deflate would only add bytes
            assertThat(echo.text()).isEqualTo("plain");
        }
    }

    @Test
    void emptyCompressedMessage() throws Exception {
        try (RawWebSocket ws = offer("permessage-deflate")) {
            ws.sendRaw(ws.frame(true, 4, TEXT, true, new byte[] {0x00})); // §7.2.3.6
            RawWebSocket.Frame echo = ws.read();
            assertThat(echo.opcode()).isEqualTo(TEXT);
            assertThat(echo.payload()).isEmpty();
        }
    }

    @Test
    void aDeflateStreamEndedWithBfinalIsAcceptedAndTheNextMessageStartsAfresh() throws Exception {
        try (RawWebSocket ws = offer("permessage-deflate")) {
            for (int i = 0; i < 2; i++) {
                Deflater finishing = new Deflater(6, true);
                finishing.setInput(message(i).getBytes(StandardCharsets.UTF_8));
                finishing.finish();
                byte[] buffer = new byte[1024];
                int n = finishing.deflate(buffer);
                finishing.end();
                ws.sendRaw(ws.frame(true, 4, TEXT, true, Arrays.copyOf(buffer, n)));
                RawWebSocket.Frame echo = ws.read();
                assertThat(new String(Deflate.decompress(new Inflater(true), echo.payload()), StandardCharsets.UTF_8))
                        .isEqualTo(message(i));
            }
        }
    }

    @Test
    void rsv1OnAContinuationFrameIsAProtocolError() throws Exception {
        byte[] compressed = Deflate.compress(new Deflater(6, true), message(1).getBytes(StandardCharsets.UTF_8));
        try (RawWebSocket ws = offer("permessage-deflate")) {
            ws.sendRaw(ws.frame(false, 4, TEXT, true, Arrays.copyOf(compressed, 5)));
            ws.sendRaw(ws.frame(true, 4, CONT, true, Arrays.copyOfRange(compressed, 5, compressed.length)));
            assertThat(ws.read().closeCode()).isEqualTo(1002);
        }
    }

    @Test
    void rsv1OnAControlFrameIsAProtocolError() throws Exception {
        try (RawWebSocket ws = offer("permessage-deflate")) {
            ws.sendRaw(ws.frame(true, 4, RawWebSocket.PING, true, new byte[0]));
            assertThat(ws.read().closeCode()).isEqualTo(1002);
        }
    }

    @Test
    void invalidDeflateDataFailsWith1007() throws Exception {
        try (RawWebSocket ws = offer("permessage-deflate")) {
            ws.sendRaw(ws.frame(true, 4, BINARY, true, new byte[] {(byte) 0xFF, (byte) 0xFF, 0x12, 0x34}));
            assertThat(ws.read().closeCode()).isEqualTo(1007);
        }
    }

    @Test
    void compressedTextThatIsNotUtf8FailsWith1007() throws Exception {
        byte[] compressed = Deflate.compress(new Deflater(6, true), new byte[] {'o', 'k', (byte) 0xC0, (byte) 0xAF});
        try (RawWebSocket ws = offer("permessage-deflate")) {
            ws.sendRaw(ws.frame(true, 4, TEXT, true, compressed));
            assertThat(ws.read().closeCode()).isEqualTo(1007);
        }
    }

    @Test
    void offerIsIgnoredWhenCompressionIsOff() throws Exception {
        WsConfig config = new WsConfig();
        config.permessageDeflate = false;
        try (WsTestServer off = new WsTestServer(config.build());
             RawWebSocket ws = RawWebSocket.connect(off.port(), "/ws",
                     Map.of("Sec-WebSocket-Extensions", "permessage-deflate"), -1)) {
            assertThat(ws.headers).doesNotContainKey("sec-websocket-extensions");
        }
    }

    @ParameterizedTest(name = "client_no_context_takeover={0}, ask server_no_context_takeover={1}")
    @CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void nettysClientCompressionInteroperates(boolean clientNoContext, boolean askServerNoContext) throws Exception {
        try (NettyWsClient client = new NettyWsClient(server.uri("/ws"), true, clientNoContext, askServerNoContext)) {
            String extensions = client.handshake.get().get("sec-websocket-extensions");
            assertThat(extensions).startsWith("permessage-deflate").contains("server_no_context_takeover");
            assertThat(extensions.contains("client_no_context_takeover")).isEqualTo(clientNoContext);
            for (int i = 0; i < 50; i++) {
                client.send(new TextWebSocketFrame(message(i).repeat(1 + i % 7)));
                assertThat(client.next().asText()).isEqualTo(message(i).repeat(1 + i % 7));
            }
            byte[] binary = new byte[300_000];
            new Random(3).nextBytes(binary);
            client.send(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(binary)));
            assertThat(client.next().payload()).isEqualTo(binary);
        }
    }
}
