package io.carbon.websocket;

import io.carbon.testing.TestServer;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Files;
import java.nio.file.Path;

import io.carbon.http.Response;
import io.carbon.testing.Poll;
import io.carbon.testing.RawH2;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Random;

import static io.carbon.websocket.RawWebSocket.BINARY;
import static io.carbon.websocket.RawWebSocket.CLOSE;
import static io.carbon.websocket.RawWebSocket.TEXT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * RFC 8441: WebSockets as HTTP/2 streams through the real server (h2c by prior knowledge on the plain port):
 * SETTINGS_ENABLE_CONNECT_PROTOCOL, extended CONNECT routed to the handshake, 200 and the session on the
 * stream channel, driven by a raw HTTP/2 client.
 */
class Http2WebSocketTest {

    private static final int SETTINGS_ENABLE_CONNECT_PROTOCOL = 0x8;
    @TempDir
    static Path temp;
    static TestServer server;
    static WebSocketService service;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Files.createDirectories(temp.resolve("www")),
                Files.createDirectories(temp.resolve("log")), Map.of(
                        "enable_http2", "true",
                        "enable_websocket", "true",
                        "websocket_idle_timeout", "2s"));
        service = server.server().webSockets();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    /** One WebSocket on one stream of a raw HTTP/2 connection. */
    static final class StreamSocket {
        private final RawH2 h2;
        private final int stream;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private final ArrayDeque<RawWebSocket.Frame> frames = new ArrayDeque<>();
        private final Random random = new Random(11);
        boolean serverEnded;
        long resetCode = -1;

        StreamSocket(RawH2 h2, int stream) {
            this.h2 = h2;
            this.stream = stream;
        }

        static Http2Headers connect(String path) {
            return new DefaultHttp2Headers().method("CONNECT").set(":protocol", "websocket").scheme("http")
                    .path(path).authority("127.0.0.1").add("sec-websocket-version", "13");
        }

        byte[] frame(boolean fin, int opcode, byte[] payload, boolean masked) {
            return RawWebSocket.encode(fin, 0, opcode, masked, payload, -1, random);
        }

        /** Sends a frame as DATA frames of at most 16 KiB (SETTINGS_MAX_FRAME_SIZE's default). */
        void send(int opcode, byte[] payload) throws IOException {
            byte[] bytes = frame(true, opcode, payload, true);
            for (int i = 0; i < bytes.length; i += 16_384) {
                h2.data(stream, java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + 16_384)), false);
            }
        }

        /** The next WebSocket frame on this stream; frames of other streams go to {@code others}. */
        RawWebSocket.Frame read(Map<Integer, StreamSocket> others) throws IOException {
            while (frames.isEmpty()) {
                RawH2.Frame frame = h2.next();
                if (frame == null) {
                    throw new IOException("connection closed");
                }
                StreamSocket owner = frame.stream() == stream ? this : others.get(frame.stream());
                if (owner != null) {
                    owner.accept(frame);
                }
            }
            return frames.poll();
        }

        RawWebSocket.Frame read() throws IOException {
            return read(Map.of());
        }

        private void accept(RawH2.Frame frame) {
            if (frame.type() == RawH2.RST_STREAM) {
                resetCode = frame.errorCode();
                frames.add(new RawWebSocket.Frame(true, 0, -1, new byte[0]));
                return;
            }
            if (frame.type() != RawH2.DATA) {
                return;
            }
            pending.writeBytes(frame.payload());
            if (frame.endStream()) {
                serverEnded = true;
            }
            byte[] bytes = pending.toByteArray();
            int at = 0;
            while (bytes.length - at >= 2) {
                int len = bytes[at + 1] & 0x7F;
                int header = 2 + (len == 126 ? 2 : len == 127 ? 8 : 0);
                if (bytes.length - at < header) {
                    break;
                }
                long length = len == 126 ? ByteBuffer.wrap(bytes, at + 2, 2).getShort() & 0xFFFF
                        : len == 127 ? ByteBuffer.wrap(bytes, at + 2, 8).getLong() : len;
                if (bytes.length - at < header + length) {
                    break;
                }
                int b0 = bytes[at] & 0xFF;
                byte[] payload = java.util.Arrays.copyOfRange(bytes, at + header, at + header + (int) length);
                frames.add(new RawWebSocket.Frame((b0 & 0x80) != 0, (b0 >> 4) & 7, b0 & 0x0F, payload));
                at += header + (int) length;
            }
            pending.reset();
            pending.write(bytes, at, bytes.length - at);
        }

        /** Reads until the server ended the stream (END_STREAM) or reset it. */
        void awaitServerEnd() throws IOException {
            while (!serverEnded && resetCode < 0) {
                RawH2.Frame frame = h2.next();
                if (frame == null) {
                    throw new IOException("connection closed");
                }
                if (frame.stream() == stream) {
                    accept(frame);
                }
            }
        }
    }

    private static RawH2 connect() throws IOException {
        return new RawH2("127.0.0.1", server.port()).handshake();
    }

    @Test
    void theServerAdvertisesExtendedConnect() throws Exception {
        try (RawH2 h2 = connect()) {
            assertThat(h2.serverSettings()).containsEntry(SETTINGS_ENABLE_CONNECT_PROTOCOL, 1L);
        }
    }

    @Test
    void echoOverAStreamAndACleanCloseWithEndStreamOnBothSides() throws Exception {
        try (RawH2 h2 = connect()) {
            h2.headers(1, StreamSocket.connect("/ws"), false);
            RawH2.Frame response = h2.await(RawH2.HEADERS, 1);
            assertThat(response.headers().status().toString()).isEqualTo("200");
            assertThat(response.endStream()).isFalse();
            assertThat(response.headers().contains("sec-websocket-accept")).isFalse();
            StreamSocket ws = new StreamSocket(h2, 1);
            ws.send(TEXT, "over h2".getBytes(StandardCharsets.UTF_8));
            assertThat(ws.read().text()).isEqualTo("over h2");
            byte[] big = new byte[60_000]; // several DATA frames each way, within the default 64 KiB window
            new Random(1).nextBytes(big);
            ws.send(BINARY, big);
            RawWebSocket.Frame echo = ws.read();
            assertThat(echo.opcode()).isEqualTo(BINARY);
            assertThat(echo.payload()).isEqualTo(big);

            ws.send(CLOSE, new byte[] {0x03, (byte) 0xE8});
            RawWebSocket.Frame close = ws.read();
            assertThat(close.opcode()).isEqualTo(CLOSE);
            assertThat(close.closeCode()).isEqualTo(1000);
            ws.awaitServerEnd();
            assertThat(ws.serverEnded).as("END_STREAM, RFC 8441's FIN").isTrue();
            h2.data(1, new byte[0], true); // our FIN: the stream closes without a reset
            h2.headers(3, StreamSocket.connect("/ws"), false); // and the connection is still fine
            RawH2.Frame frame;
            while ((frame = h2.next()).type() != RawH2.HEADERS) {
                assertThat(frame.type() == RawH2.RST_STREAM && frame.stream() == 1).as("stream 1 reset").isFalse();
            }
            assertThat(frame.stream()).isEqualTo(3);
            assertThat(frame.headers().status().toString()).isEqualTo("200");
        }
    }

    /**
     * A tunnel has a stream channel of its own while ordinary requests on the same connection are answered on the
     * connection's pipeline: both go on side by side, in either order, and a large file next to the WebSocket
     * makes the connection's writability change while both are open.
     */
    @Test
    void aWebSocketAndOrdinaryRequestsShareOneConnection() throws Exception {
        byte[] large = new byte[300_000];
        new Random(5).nextBytes(large);
        Files.write(temp.resolve("www").resolve("side.bin"), large);
        Files.writeString(temp.resolve("www").resolve("side.txt"), "beside a websocket\n");
        try (RawH2 h2 = connect()) {
            h2.headers(1, new DefaultHttp2Headers().method("GET").scheme("http").path("/side.txt")
                    .authority("127.0.0.1"), true);
            h2.headers(3, StreamSocket.connect("/ws"), false);
            h2.headers(5, new DefaultHttp2Headers().method("GET").scheme("http").path("/side.bin")
                    .authority("127.0.0.1"), true);
            StreamSocket ws = new StreamSocket(h2, 3);
            ws.send(TEXT, "next to files".getBytes(StandardCharsets.UTF_8));
            Map<Integer, ByteArrayOutputStream> bodies = new java.util.HashMap<>();
            Map<Integer, String> statuses = new java.util.HashMap<>();
            java.util.Set<Integer> open = new java.util.HashSet<>(java.util.Set.of(1, 5));
            String echoed = null;
            while (!open.isEmpty() || echoed == null) {
                RawH2.Frame frame = h2.next();
                assertThat(frame).as("the connection stays open").isNotNull();
                assertThat(frame.type() == RawH2.RST_STREAM).as("no stream is reset: " + frame).isFalse();
                if (frame.stream() == 3) {
                    if (frame.type() == RawH2.HEADERS) {
                        assertThat(frame.headers().status().toString()).isEqualTo("200");
                        assertThat(frame.endStream()).isFalse();
                    }
                    ws.accept(frame);
                    if (!ws.frames.isEmpty()) {
                        echoed = ws.frames.poll().text();
                    }
                    continue;
                }
                if (frame.type() == RawH2.HEADERS) {
                    statuses.put(frame.stream(), frame.headers().status().toString());
                } else if (frame.type() == RawH2.DATA) {
                    bodies.computeIfAbsent(frame.stream(), s -> new ByteArrayOutputStream())
                            .writeBytes(frame.payload());
                }
                if ((frame.type() == RawH2.HEADERS || frame.type() == RawH2.DATA) && frame.endStream()) {
                    open.remove(frame.stream());
                }
            }
            assertThat(echoed).isEqualTo("next to files");
            assertThat(statuses).containsEntry(1, "200").containsEntry(5, "200");
            assertThat(bodies.get(1).toString(StandardCharsets.UTF_8)).isEqualTo("beside a websocket\n");
            assertThat(bodies.get(5).toByteArray()).isEqualTo(large);

            // An ordinary stream after the tunnel opened, then the tunnel again, then a clean close.
            h2.headers(7, new DefaultHttp2Headers().method("GET").scheme("http").path("/side.txt")
                    .authority("127.0.0.1"), true);
            RawH2.Response seven = h2.response(7);
            assertThat(seven.status()).isEqualTo(200);
            ws.send(TEXT, "again".getBytes(StandardCharsets.UTF_8));
            assertThat(ws.read().text()).isEqualTo("again");
            ws.send(CLOSE, new byte[] {0x03, (byte) 0xE8});
            assertThat(ws.read().opcode()).isEqualTo(CLOSE);
            ws.awaitServerEnd();
            assertThat(ws.serverEnded).isTrue();
        }
    }

    @Test
    void manyWebSocketsShareOneConnection() throws Exception {
        try (RawH2 h2 = connect()) {
            Map<Integer, StreamSocket> sockets = new java.util.HashMap<>();
            for (int stream = 1; stream <= 19; stream += 2) {
                h2.headers(stream, StreamSocket.connect(stream % 4 == 1 ? "/ws" : "/ws/channels/h2room"), false);
                sockets.put(stream, new StreamSocket(h2, stream));
            }
            for (int stream = 1; stream <= 19; stream += 2) {
                if (stream % 4 == 1) {
                    sockets.get(stream).send(TEXT, ("stream " + stream).getBytes(StandardCharsets.UTF_8));
                }
            }
            for (int stream = 1; stream <= 19; stream += 4) {
                assertThat(sockets.get(stream).read(sockets).text()).isEqualTo("stream " + stream);
            }
            Poll.until("5 subscribers of channel h2room", () -> service.subscribers("h2room"), n -> n == 5);
            sockets.get(3).send(TEXT, "to the room".getBytes(StandardCharsets.UTF_8));
            for (int stream = 7; stream <= 19; stream += 4) {
                assertThat(sockets.get(stream).read(sockets).text()).isEqualTo("to the room");
            }
        }
    }

    @Test
    void aProtocolErrorClosesWith1002AndEndsTheStream() throws Exception {
        try (RawH2 h2 = connect()) {
            h2.headers(1, StreamSocket.connect("/ws"), false);
            h2.await(RawH2.HEADERS, 1);
            StreamSocket ws = new StreamSocket(h2, 1);
            h2.data(1, ws.frame(true, TEXT, "unmasked".getBytes(StandardCharsets.UTF_8), false), false);
            assertThat(ws.read().closeCode()).isEqualTo(1002);
            ws.awaitServerEnd();
            assertThat(ws.serverEnded).isTrue();
            // The client never ends its side: after the close wait (websocket_idle_timeout), RST_STREAM. The
            // socket gives up after 10 times the close wait: only that timer can answer in time.
            h2.timeout(20_000);
            RawH2.Frame reset = h2.await(RawH2.RST_STREAM, 1);
            assertThat(reset).isNotNull();
        }
    }

    @Test
    void theClientsEndStreamWithoutACloseEndsTheWebSocket() throws Exception {
        try (RawH2 h2 = connect()) {
            h2.headers(1, StreamSocket.connect("/ws"), false);
            h2.await(RawH2.HEADERS, 1);
            int before = Poll.until("the WebSocket session to start", () -> service.openSessions(), n -> n > 0);
            StreamSocket ws = new StreamSocket(h2, 1);
            h2.data(1, new byte[0], true);
            ws.awaitServerEnd();
            assertThat(ws.serverEnded || ws.resetCode >= 0).isTrue();
            Poll.until("fewer than " + before + " open WebSocket sessions", () -> service.openSessions(),
                    n -> n < before);
        }
    }

    @Test
    void rejectedHandshakesAreOrdinaryResponses() throws Exception {
        try (RawH2 h2 = connect()) {
            Http2Headers noVersion = StreamSocket.connect("/ws");
            noVersion.remove("sec-websocket-version");
            h2.headers(1, noVersion, false);
            RawH2.Response response = h2.response(1);
            assertThat(response.status()).isEqualTo(426);
            assertThat(response.headers().contains("sec-websocket-accept")).isFalse();
            h2.headers(3, StreamSocket.connect("/ws/channels/bad name"), false);
            assertThat(h2.response(3).status()).isEqualTo(404);
        }
    }
}
