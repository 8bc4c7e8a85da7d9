package io.carbon.http2;

import io.carbon.testing.Poll;
import io.carbon.testing.RawH2;
import io.carbon.testing.TestServer;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.carbon.testing.RawH2.CONTINUATION;
import static io.carbon.testing.RawH2.DATA;
import static io.carbon.testing.RawH2.END_HEADERS;
import static io.carbon.testing.RawH2.END_STREAM;
import static io.carbon.testing.RawH2.GOAWAY;
import static io.carbon.testing.RawH2.HEADERS;
import static io.carbon.testing.RawH2.PING;
import static io.carbon.testing.RawH2.RST_STREAM;
import static io.carbon.testing.RawH2.SETTINGS;
import static io.carbon.testing.RawH2.WINDOW_UPDATE;
import static io.carbon.testing.RawH2.encodeFrame;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/2 abuse under load (issue 14), against a real server with h2c prior knowledge. Each attack runs for a
 * bounded number of frames; then the server must still answer a normal request on a new connection. What
 * {@link Http2FramesTest} already covers (a short rapid reset on the branch alone, CONTINUATION beyond the
 * header list size, empty CONTINUATION frames, single malformed frames) is not repeated here.
 */
class Http2AbuseTest {

    static final long NO_ERROR = 0, PROTOCOL_ERROR = 1, FLOW_CONTROL_ERROR = 3, STREAM_CLOSED = 5,
            COMPRESSION_ERROR = 9, ENHANCE_YOUR_CALM = 11;
    /** http2_max_resets for this server (the default is 200). */
    static final int MAX_RESETS = 100;
    /** Netty's own bound on RST_STREAM frames the server sends (not a Carbon key): 200 per 30 s. */
    static final int NETTY_MAX_SENT_RESETS = 200;
    static final int MAX_HEADER_SIZE = 8192;
    static final int BIG_FILE = 4 << 20;
    static final String INDEX = "hello over h2\n";

    @TempDir
    static Path temp;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        Path www = Files.createDirectories(temp.resolve("www"));
        Files.writeString(www.resolve("index.html"), INDEX);
        Files.write(www.resolve("big.bin"), new byte[BIG_FILE]);
        server = TestServer.start(www, Files.createDirectories(temp.resolve("log")), Map.of(
                "enable_http2", "true",
                "http2_max_resets", String.valueOf(MAX_RESETS),
                "http2_reset_window", "60s",
                "http2_initial_window_size", "65535",
                "max_header_size", String.valueOf(MAX_HEADER_SIZE)));
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @AfterEach
    void serverStillAnswersOnANewConnection() throws Exception {
        assertAnswers(connect(), 1);
    }

    private static RawH2 connect() throws IOException {
        return new RawH2("127.0.0.1", server.port()).handshake();
    }

    /** GET /index.html on {@code stream} answers 200 with the file; closes the client. */
    private static void assertAnswers(RawH2 client, int stream) throws IOException {
        try (client) {
            client.headers(stream, get("/index.html"), true);
            RawH2.Response response = client.response(stream);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).isEqualTo(INDEX);
        }
    }

    static Http2Headers get(String path) {
        return new DefaultHttp2Headers(false).method("GET").scheme("http").path(path).authority("localhost");
    }

    private static byte[] int32(long value) {
        return ByteBuffer.allocate(4).putInt((int) value).array();
    }

    /**
     * Reads every frame of a connection on its own thread while the test floods it, so the server is never
     * stalled by an unread socket (unless the test means it): counts RST_STREAMs and keeps GOAWAYs.
     * RawH2 writes each frame with one socket write, so the reader's automatic ACKs do not tear the test's frames.
     */
    private static final class Reader implements AutoCloseable {
        final List<RawH2.Frame> goAways = new CopyOnWriteArrayList<>();
        final AtomicInteger resets = new AtomicInteger();
        final AtomicInteger frames = new AtomicInteger();
        final AtomicInteger headers = new AtomicInteger();
        final AtomicBoolean ended = new AtomicBoolean();
        private final Thread thread;

        Reader(RawH2 client) throws IOException {
            client.timeout(0); // the reader blocks until the server writes or closes; the test ends it by closing
            thread = new Thread(() -> {
                try {
                    RawH2.Frame frame;
                    while ((frame = client.next()) != null) {
                        frames.incrementAndGet();
                        if (frame.type() == GOAWAY) {
                            goAways.add(frame);
                        } else if (frame.type() == RST_STREAM) {
                            resets.incrementAndGet();
                        } else if (frame.type() == HEADERS) {
                            headers.incrementAndGet();
                        }
                    }
                } catch (IOException e) {
                    // reset by the server, or closed by the test
                } finally {
                    ended.set(true);
                }
            }, "h2-abuse-reader");
            thread.setDaemon(true);
            thread.start();
        }

        RawH2.Frame awaitGoAway() {
            Poll.until("a GOAWAY or the end of the connection", () -> !goAways.isEmpty() || ended.get());
            return goAways.isEmpty() ? null : goAways.get(0);
        }

        void awaitEnd() {
            Poll.until("the server to close the connection", ended::get);
        }

        @Override
        public void close() throws InterruptedException {
            thread.interrupt();
        }
    }

    private static String debugData(RawH2.Frame goAway) {
        return new String(goAway.payload(), 8, goAway.payload().length - 8, StandardCharsets.UTF_8);
    }

    // ---- rapid reset (CVE-2023-44487) ----

    @Test
    void rapidResetUnderLoadEndsWithEnhanceYourCalmAtTheConfiguredLimit() throws Exception {
        RawH2 client = connect();
        try (client; Reader reader = new Reader(client)) {
            int sent = 0;
            try {
                // 10,000 frames: HEADERS (no END_STREAM, so the stream is open when its reset arrives) + RST_STREAM.
                for (int stream = 1; sent < 10_000 && reader.goAways.isEmpty(); stream += 2, sent += 2) {
                    client.headers(stream, get("/index.html"), false);
                    client.rst(stream, 8); // CANCEL
                }
            } catch (IOException closedWhileSending) {
                // The server closed the connection while we flooded.
            }
            RawH2.Frame goAway = reader.awaitGoAway();
            assertThat(goAway).as("GOAWAY after " + sent + " frames").isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
            // Netty names no stream: last-stream-id 2^31-1 ("might have acted on any", RFC 9113 §6.8).
            assertThat(debugData(goAway)).contains("RST frames");
            reader.awaitEnd();
        }
    }

    @Test
    void resetsJustOverTheConfiguredLimitEndTheConnection() throws Exception {
        // 150 resets: over http2_max_resets (100) and under Netty's default (200), so the key is what counts.
        RawH2 client = connect();
        try (client; Reader reader = new Reader(client)) {
            try {
                for (int i = 0, stream = 1; i < MAX_RESETS + MAX_RESETS / 2; i++, stream += 2) {
                    client.headers(stream, get("/index.html"), false);
                    client.rst(stream, 8);
                }
            } catch (IOException closedWhileSending) {
                // The server closed the connection.
            }
            RawH2.Frame goAway = reader.awaitGoAway();
            assertThat(goAway).isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
            reader.awaitEnd();
        }
    }

    @Test
    void resetsUpToTheLimitLeaveTheConnectionUsable() throws Exception {
        RawH2 client = connect();
        int stream = 1;
        for (int i = 0; i < MAX_RESETS - 1; i++, stream += 2) {
            client.headers(stream, get("/index.html"), false);
            client.rst(stream, 8);
        }
        assertAnswers(client, stream);
    }

    // ---- MadeYouReset (CVE-2025-8671): frames that make the server reset streams itself ----

    enum ServerReset {
        /** RFC 9113 §6.9: a WINDOW_UPDATE of 0 on a stream is a stream error PROTOCOL_ERROR. */
        WINDOW_UPDATE_ZERO(PROTOCOL_ERROR),
        /** §6.9.1: a stream window beyond 2^31-1 is a stream error FLOW_CONTROL_ERROR. */
        WINDOW_UPDATE_OVERFLOW(FLOW_CONTROL_ERROR),
        /** §5.1: DATA on a half-closed (remote) stream is a stream error STREAM_CLOSED. */
        DATA_ON_HALF_CLOSED(STREAM_CLOSED),
        /** §6.9.1: DATA beyond the stream's window (65,535 here) is a stream error FLOW_CONTROL_ERROR. */
        DATA_BEYOND_STREAM_WINDOW(FLOW_CONTROL_ERROR),
        /** §8.2.1: an uppercase field name makes the request malformed: stream error PROTOCOL_ERROR. */
        MALFORMED_HEADERS(PROTOCOL_ERROR);

        final long code;

        ServerReset(long code) {
            this.code = code;
        }
    }

    /**
     * The server must end a connection that keeps making it reset streams (Netty bounds the RST_STREAM frames
     * it sends at 200 per 30 s and answers more with GOAWAY ENHANCE_YOUR_CALM; Carbon's http2_max_resets only
     * bounds the client's resets), and must stay healthy for everyone else.
     */
    @ParameterizedTest
    @EnumSource(ServerReset.class)
    void madeYouResetIsCalmedDown(ServerReset primitive) throws Exception {
        RawH2 client = connect();
        if (primitive == ServerReset.DATA_ON_HALF_CLOSED) {
            // Our receive window 0: the response to each stream stalls, so the stream stays half-closed
            // (remote) until our DATA arrives; never WINDOW_UPDATE, so nothing is ever sent back.
            client.autoWindowUpdate(false);
            client.settings(4, 0);
        }
        byte[] oversized = new byte[16_384];
        try (client; Reader reader = new Reader(client)) {
            int frames = 0;
            int stream = 1;
            try {
                for (; frames < 10_000 && reader.goAways.isEmpty(); stream += 2) {
                    switch (primitive) {
                        case WINDOW_UPDATE_ZERO -> {
                            client.headers(stream, get("/index.html"), false).windowUpdate(stream, 0);
                            frames += 2;
                        }
                        case WINDOW_UPDATE_OVERFLOW -> {
                            client.headers(stream, get("/index.html"), false).windowUpdate(stream, 0x7fffffff);
                            frames += 2;
                        }
                        case DATA_ON_HALF_CLOSED -> {
                            client.headers(stream, get("/big.bin"), true).data(stream, new byte[1], false);
                            frames += 2;
                        }
                        case DATA_BEYOND_STREAM_WINDOW -> {
                            client.headers(stream, get("/index.html"), false);
                            for (int i = 0; i < 5; i++) { // 81,920 bytes against a 65,535-byte window
                                client.data(stream, oversized, false);
                            }
                            frames += 6;
                        }
                        case MALFORMED_HEADERS -> {
                            client.headers(stream, get("/index.html").add("X-Upper", "1"), true);
                            frames += 1;
                        }
                        default -> throw new IllegalStateException();
                    }
                }
            } catch (IOException closedWhileSending) {
                // The server closed the connection while we flooded.
            }
            int streams = (stream - 1) / 2;
            RawH2.Frame goAway = reader.awaitGoAway();
            assertThat(goAway).as(primitive + ": GOAWAY after " + streams + " streams, " + reader.resets.get()
                    + " server resets").isNotNull();
            assertThat(goAway.errorCode()).as(primitive + " after " + reader.resets.get() + " server resets")
                    .isEqualTo(ENHANCE_YOUR_CALM);
            assertThat(reader.resets.get()).as(primitive + ": server resets before GOAWAY")
                    .isBetween(1, NETTY_MAX_SENT_RESETS + 1);
            reader.awaitEnd();
        }
    }

    // ---- CONTINUATION flood (the variants Http2FramesTest does not send) ----

    @Test
    void continuationFloodOfOneByteFragmentsThatExpandIsRefused() throws Exception {
        // Each fragment is one byte of valid HPACK (static entry 16, accept-encoding: gzip, deflate: 60 bytes of
        // header list), so the block grows on the server 60 times faster than on the wire.
        RawH2 client = connect();
        try (client; Reader reader = new Reader(client)) {
            client.frame(HEADERS, 0, 1, client.encode(get("/index.html")));
            int sent = 0;
            try {
                for (; sent < 10_000 && reader.goAways.isEmpty(); sent++) {
                    client.frame(CONTINUATION, 0, 1, new byte[] {(byte) 0x90});
                }
            } catch (IOException closedWhileSending) {
                // The server closed the connection while we flooded.
            }
            RawH2.Frame goAway = reader.awaitGoAway();
            assertThat(goAway).as("GOAWAY after " + sent + " CONTINUATION frames").isNotNull();
            assertThat(goAway.errorCode()).isIn(PROTOCOL_ERROR, ENHANCE_YOUR_CALM, COMPRESSION_ERROR);
            reader.awaitEnd();
        }
    }

    @Test
    void continuationWithoutHeadersIsAProtocolError() throws Exception {
        try (RawH2 client = connect()) {
            client.frame(CONTINUATION, END_HEADERS, 1, new byte[] {(byte) 0x82});
            RawH2.Frame goAway = client.awaitGoAway();
            assertThat(goAway).isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(PROTOCOL_ERROR);
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void aFrameOfAnotherStreamInsideAHeaderBlockIsAProtocolError() throws Exception {
        // RFC 9113 §6.10: a header block is a contiguous sequence of frames; anything else in between is a
        // connection error PROTOCOL_ERROR (here: CONTINUATION for stream 3 while stream 1's block is open).
        try (RawH2 client = connect()) {
            client.frame(HEADERS, END_STREAM, 1, client.encode(get("/index.html")));
            client.frame(CONTINUATION, END_HEADERS, 3, new byte[] {(byte) 0x90});
            RawH2.Frame goAway = client.awaitGoAway();
            assertThat(goAway).isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(PROTOCOL_ERROR);
            assertThat(client.closedByServer()).isTrue();
        }
    }

    // ---- HPACK bomb ----

    /**
     * One ~4 KiB entry put into the dynamic table, then referenced 12,000 times with one byte each: 16 KiB on
     * the wire (one frame) that decode to some 48 MiB of header list, far past max_header_size. The server must refuse the
     * block (431, RST_STREAM or GOAWAY) without building it, and stay healthy over many such blocks.
     */
    @Test
    void hpackBombIsRefusedWithoutExpanding() throws Exception {
        RawH2 client = connect();
        try (client; Reader reader = new Reader(client)) {
            int blocks = 0;
            try {
                for (int stream = 1; blocks < 200 && reader.goAways.isEmpty(); stream += 2, blocks++) {
                    client.frame(HEADERS, END_HEADERS | END_STREAM, stream, bomb(blocks == 0));
                    if (blocks == 0) {
                        Poll.until("the server to answer the first bomb",
                                () -> reader.resets.get() > 0 || reader.headers.get() > 0 || !reader.goAways.isEmpty()
                                        || reader.ended.get());
                    }
                }
            } catch (IOException closedWhileSending) {
                // The server closed the connection.
            }
            RawH2.Frame goAway;
            if (reader.goAways.isEmpty()) {
                // The connection survived every bomb: each one was refused on its own stream.
                assertThat(blocks).isEqualTo(200);
                goAway = null;
            } else {
                goAway = reader.goAways.get(0);
                assertThat(goAway.errorCode()).as("GOAWAY after " + blocks + " bombs")
                        .isIn(PROTOCOL_ERROR, ENHANCE_YOUR_CALM, COMPRESSION_ERROR);
            }
        }
    }

    /** A header block: request pseudo-headers, {@code insert} a 4,000-byte entry, 12,000 references to it. */
    private static byte[] bomb(boolean insert) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.write(0x82); // :method GET
        block.write(0x86); // :scheme http
        block.write(0x84); // :path /
        block.write(0x01); // :authority, literal without indexing, name from static entry 1
        block.write(9);
        block.writeBytes("localhost".getBytes(StandardCharsets.US_ASCII));
        if (insert) {
            block.write(0x40); // literal with incremental indexing, new name
            block.write(6);
            block.writeBytes("x-bomb".getBytes(StandardCharsets.US_ASCII));
            int length = 4000; // 32 + 6 + 4000 = 4038 bytes of the 4,096-byte table
            block.write(0x7f); // 7-bit prefix full: 127, then the rest in 7-bit groups
            int rest = length - 127;
            while (rest >= 128) {
                block.write((rest & 0x7f) | 0x80);
                rest >>>= 7;
            }
            block.write(rest);
            byte[] value = new byte[length];
            java.util.Arrays.fill(value, (byte) 'a');
            block.writeBytes(value);
        }
        for (int i = 0; i < 12_000; i++) {
            block.write(0xbe); // indexed: dynamic entry 62, the newest
        }
        return block.toByteArray();
    }

    // ---- floods of frames that make the server answer, sent without reading ----

    enum ControlFlood { PING_FLOOD, SETTINGS_FLOOD }

    /**
     * Every PING and SETTINGS asks for an ACK; a client that never reads makes the server queue them. The server
     * must give up on the connection once too many are queued (Netty's bound: 10,000 control frames) instead of
     * buffering without end. A plain socket with a small receive buffer keeps the client from reading a byte
     * while it floods; afterwards it reads what the server sent: the ACKs that fit, then GOAWAY and the end.
     * (Carbon closes gently, half-closing and discarding what still arrives, so the flooder's writes succeed.)
     */
    @ParameterizedTest
    @EnumSource(ControlFlood.class)
    void controlFrameFloodWithoutReadingClosesTheConnection(ControlFlood flood) throws Exception {
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        for (int i = 0; i < 1000; i++) {
            frames.writeBytes(flood == ControlFlood.PING_FLOOD ? encodeFrame(PING, 0, 0, new byte[8])
                    : encodeFrame(SETTINGS, 0, 0, ByteBuffer.allocate(6).putShort((short) 4)
                            .putInt(65_535 + (i & 1)).array()));
        }
        byte[] batch = frames.toByteArray();
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(new InetSocketAddress("127.0.0.1", server.port()));
            OutputStream out = socket.getOutputStream();
            out.write(RawH2.PREFACE);
            out.write(encodeFrame(SETTINGS, 0, 0, new byte[0]));
            AtomicInteger sent = new AtomicInteger();
            AtomicBoolean refused = new AtomicBoolean();
            Thread flooder = new Thread(() -> {
                try {
                    // 1,000,000 frames (17 MB of ACKs asked for): four times what the kernel's buffers hold
                    // (tcp_wmem up to 4 MiB here) plus the server's bound.
                    for (int i = 0; i < 1_000; i++) {
                        out.write(batch);
                        sent.addAndGet(1000);
                    }
                } catch (IOException e) {
                    refused.set(true);
                }
            }, "h2-control-flood");
            flooder.setDaemon(true);
            flooder.start();
            try {
                // If the server stopped reading without closing, the flooder blocks: stuck, reported here.
                Poll.until(flood + ": the flood to be taken or refused (frames sent so far)", Duration.ofSeconds(60),
                        () -> sent.get() + (refused.get() ? " refused" : ""), ignored -> !flooder.isAlive());
            } catch (AssertionError stuck) {
                socket.close();
                throw stuck;
            }
            // Now read: ACKs, then GOAWAY, then the end of the connection.
            socket.setSoTimeout(30_000);
            java.io.DataInputStream in = new java.io.DataInputStream(socket.getInputStream());
            int acks = 0;
            long goAwayCode = -1;
            boolean ended = false;
            byte[] head = new byte[9];
            try {
                while (true) {
                    in.readFully(head);
                    int length = (head[0] & 0xff) << 16 | (head[1] & 0xff) << 8 | (head[2] & 0xff);
                    byte[] payload = in.readNBytes(length);
                    if (head[3] == GOAWAY) {
                        goAwayCode = Integer.toUnsignedLong(ByteBuffer.wrap(payload).getInt(4));
                    } else if ((head[3] == PING || head[3] == SETTINGS) && (head[4] & RawH2.ACK) != 0) {
                        acks++;
                    }
                }
            } catch (java.io.EOFException | java.net.SocketException end) {
                ended = true;
            } catch (SocketTimeoutException stillOpen) {
                ended = false;
            }
            assertThat(ended).as(flood + ": the connection ended; ACKs read: " + acks).isTrue();
            assertThat(acks).as(flood + ": ACKs the server sent before giving up").isLessThan(sent.get());
            if (goAwayCode >= 0) {
                assertThat(goAwayCode).isEqualTo(ENHANCE_YOUR_CALM);
            }
        }
    }

    // ---- WINDOW_UPDATE flood ----

    @Test
    void windowUpdateFloodLeavesTheConnectionUsable() throws Exception {
        RawH2 client = connect();
        client.headers(1, get("/index.html"), true);
        assertThat(client.response(1).status()).isEqualTo(200);
        // 10,000 increments of 1 on the connection and on the closed stream 1 (RFC 9113 §6.9: allowed for a
        // stream that was closed recently; ignored). Nothing to answer, nothing may pile up.
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        for (int i = 0; i < 5_000; i++) {
            frames.writeBytes(encodeFrame(WINDOW_UPDATE, 0, 0, int32(1)));
            frames.writeBytes(encodeFrame(WINDOW_UPDATE, 0, 1, int32(1)));
        }
        client.send(frames.toByteArray());
        assertAnswers(client, 3);
    }

    // ---- zero-window stall ----

    /**
     * SETTINGS_INITIAL_WINDOW_SIZE = 0, ask for a large file, never send WINDOW_UPDATE: the response can never
     * progress. The connection must be closed by a timeout eventually, not held forever (with keep_alive_timeout
     * and header_timeout at 1 s here; the socket waits far longer than any of them).
     */
    @Test
    void aZeroWindowStallIsClosedEventually() throws Exception {
        Path www = Files.createDirectories(temp.resolve("stall-www"));
        Files.write(www.resolve("big.bin"), new byte[BIG_FILE]);
        Files.writeString(www.resolve("index.html"), INDEX);
        try (TestServer stall = TestServer.start(www, Files.createDirectories(temp.resolve("stall-log")), Map.of(
                "enable_http2", "true",
                "keep_alive_timeout", "1s",
                "header_timeout", "1s",
                "send_timeout", "1s")); // the stream is reset, then the idle connection ends
             RawH2 client = new RawH2("127.0.0.1", stall.port())) {
            client.autoWindowUpdate(false);
            client.send(RawH2.PREFACE).settings(4, 0);
            client.headers(1, get("/big.bin"), true);
            RawH2.Frame head = client.await(HEADERS, 1);
            assertThat(head.headers().status().toString()).isEqualTo("200");
            client.timeout(30_000); // 30 times every timeout configured: declared stuck after that
            boolean closed;
            long data = 0;
            try {
                RawH2.Frame frame;
                while ((frame = client.next()) != null) {
                    if (frame.type() == DATA) {
                        data += frame.payload().length;
                    }
                }
                closed = true;
            } catch (SocketTimeoutException stillOpen) {
                closed = false;
            }
            assertThat(data).as("no DATA may be sent into a zero window").isZero();
            assertThat(closed).as("the stalled connection was closed by the server").isTrue();
        }
    }
}
