package io.carbon.http2;

import io.carbon.http.DrainEvent;
import io.carbon.testing.Poll;
import io.carbon.testing.RawH2;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

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

/** RFC 9113 section by section over raw frames, with h2c prior knowledge. */
class Http2FramesTest {

    static final long NO_ERROR = 0, PROTOCOL_ERROR = 1, FLOW_CONTROL_ERROR = 3, STREAM_CLOSED = 5,
            FRAME_SIZE_ERROR = 6, REFUSED_STREAM = 7, COMPRESSION_ERROR = 9, ENHANCE_YOUR_CALM = 11;

    @TempDir
    static Path dir;
    static H2TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new H2TestServer(dir, false);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.close();
    }

    private static RawH2 connect() throws IOException {
        return new RawH2("127.0.0.1", server.port()).handshake();
    }

    static Http2Headers get(String path) {
        return request("GET", path);
    }

    static Http2Headers request(String method, String path) {
        return new DefaultHttp2Headers(false).method(method).scheme("http").path(path).authority("localhost");
    }

    private static byte[] int32(long value) {
        return ByteBuffer.allocate(4).putInt((int) value).array();
    }

    private static byte[] setting(int id, long value) {
        return ByteBuffer.allocate(6).putShort((short) id).putInt((int) value).array();
    }

    // ---- the exchange itself ----

    @Test
    void smallFileMultipartNoContentAndHead() throws Exception {
        try (RawH2 client = connect()) {
            client.headers(1, get("/small"), true);
            RawH2.Response small = client.response(1);
            assertThat(small.status()).isEqualTo(200);
            assertThat(small.text()).isEqualTo(H2TestServer.SMALL);
            assertThat(small.headers().get("content-length").toString())
                    .isEqualTo(String.valueOf(H2TestServer.SMALL.length()));
            assertThat(small.headers().get("server").toString()).isEqualTo("Carbon");
            assertThat(small.headers().contains("date")).isTrue();
            assertThat(small.headers().get("x-content-type-options").toString()).isEqualTo("nosniff");

            client.headers(3, get("/file"), true);
            RawH2.Response file = client.response(3);
            assertThat(file.body()).isEqualTo(server.fileContent);

            client.headers(5, get("/parts"), true);
            RawH2.Response parts = client.response(5);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            expected.write(H2TestServer.PART_A.getBytes(StandardCharsets.US_ASCII));
            expected.write(server.fileContent, H2TestServer.PART_FILE_OFFSET, H2TestServer.PART_FILE_LENGTH);
            expected.write(H2TestServer.PART_C.getBytes(StandardCharsets.US_ASCII));
            assertThat(parts.status()).isEqualTo(206);
            assertThat(parts.body()).isEqualTo(expected.toByteArray());
            assertThat(parts.headers().get("content-length").toString()).isEqualTo(String.valueOf(expected.size()));

            client.headers(7, get("/nocontent"), true);
            RawH2.Frame noContent = client.await(HEADERS, 7);
            assertThat(noContent.endStream()).as("204 ends the stream on HEADERS").isTrue();
            assertThat(noContent.headers().contains("content-length")).isFalse();

            client.headers(9, request("HEAD", "/file"), true);
            RawH2.Frame head = client.await(HEADERS, 9);
            assertThat(head.endStream()).as("HEAD ends the stream on HEADERS").isTrue();
            assertThat(head.headers().get("content-length").toString()).isEqualTo(String.valueOf(H2TestServer.FILE_SIZE));

            client.headers(11, get("/boom"), true);
            assertThat(client.response(11).status()).isEqualTo(500);
            client.headers(13, get("/missing"), true);
            RawH2.Response missing = client.response(13);
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.text()).contains("404 Not Found");
        }
        // The listener hears of an exchange once its last write completed, which may be after the client read it.
        assertThat(server.awaitCompletion("/missing", 404))
                .extracting(H2TestServer.Completed::target, H2TestServer.Completed::status)
                .contains(org.assertj.core.groups.Tuple.tuple("/file", 200), org.assertj.core.groups.Tuple.tuple("/missing", 404));
        assertThat(server.completed).filteredOn(c -> c.target().equals("/file") && c.status() == 200)
                .extracting(H2TestServer.Completed::bodyBytes).contains((long) H2TestServer.FILE_SIZE, 0L);
    }

    @Test
    void requestHeadersAreTranslated() throws Exception {
        try (RawH2 client = connect()) {
            Http2Headers headers = get("/echo-headers").authority("example.org:8080");
            headers.add("cookie", "a=1");
            headers.add("cookie", "b=2");
            client.headers(1, headers, true);
            assertThat(client.response(1).text()).isEqualTo(
                    "host=example.org:8080\ncookie=a=1; b=2\nprotocol=HTTP/2.0\nmethod=GET\ntarget=/echo-headers");
        }
    }

    // ---- connection errors: GOAWAY with the code RFC 9113 names ----

    static Stream<Arguments> connectionErrors() {
        return Stream.of(
                // §3.4 / §4.1: DATA on a stream that was never opened (idle) is a connection error.
                Arguments.of("DATA on an idle stream (§5.1)", encodeFrame(DATA, 0, 1, new byte[4]), PROTOCOL_ERROR),
                Arguments.of("frame larger than SETTINGS_MAX_FRAME_SIZE (§4.2)",
                        encodeFrame(PING, 0, 0, new byte[16_385]), FRAME_SIZE_ERROR),
                Arguments.of("connection WINDOW_UPDATE overflow (§6.9.1)",
                        encodeFrame(WINDOW_UPDATE, 0, 0, int32(0x7fffffff)), FLOW_CONTROL_ERROR),
                Arguments.of("connection WINDOW_UPDATE of 0 (§6.9)",
                        encodeFrame(WINDOW_UPDATE, 0, 0, int32(0)), PROTOCOL_ERROR),
                Arguments.of("SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1 (§6.5.2)",
                        encodeFrame(SETTINGS, 0, 0, setting(4, 0x80000000L)), FLOW_CONTROL_ERROR),
                Arguments.of("SETTINGS_ENABLE_PUSH = 2 (§6.5.2)",
                        encodeFrame(SETTINGS, 0, 0, setting(2, 2)), PROTOCOL_ERROR),
                Arguments.of("SETTINGS_MAX_FRAME_SIZE below 16384 (§6.5.2)",
                        encodeFrame(SETTINGS, 0, 0, setting(5, 16_383)), PROTOCOL_ERROR),
                Arguments.of("SETTINGS_MAX_FRAME_SIZE above 2^24-1 (§6.5.2)",
                        encodeFrame(SETTINGS, 0, 0, setting(5, 1 << 24)), PROTOCOL_ERROR),
                Arguments.of("SETTINGS length not a multiple of 6 (§6.5)",
                        encodeFrame(SETTINGS, 0, 0, new byte[5]), FRAME_SIZE_ERROR),
                Arguments.of("PING length not 8 (§6.7)", encodeFrame(PING, 0, 0, new byte[7]), FRAME_SIZE_ERROR),
                Arguments.of("undecodable HPACK block (§4.3)",
                        encodeFrame(HEADERS, END_HEADERS | END_STREAM, 1, new byte[] {(byte) 0xC0}), COMPRESSION_ERROR),
                Arguments.of("SETTINGS on a stream (§6.5)", encodeFrame(SETTINGS, 0, 1, new byte[0]), PROTOCOL_ERROR),
                Arguments.of("HEADERS on stream 0 (§6.2)",
                        encodeFrame(HEADERS, END_HEADERS, 0, new byte[] {(byte) 0x82}), PROTOCOL_ERROR));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("connectionErrors")
    void connectionErrorsSendGoAway(String name, byte[] frame, long expectedCode) throws Exception {
        try (RawH2 client = connect()) {
            client.send(frame);
            RawH2.Frame goAway = client.awaitGoAway();
            assertThat(goAway).as("GOAWAY for " + name).isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(expectedCode);
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void invalidPrefaceIsAProtocolError() throws Exception {
        try (RawH2 client = new RawH2("127.0.0.1", server.port())) {
            client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\nxxxxxxxxxxxxxxxxxxxxxxxx".getBytes(StandardCharsets.US_ASCII));
            // RFC 9113 §3.4: an invalid preface is a connection error of type PROTOCOL_ERROR (GOAWAY MAY be omitted).
            RawH2.Frame goAway = client.awaitGoAway();
            assertThat(goAway).isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(PROTOCOL_ERROR);
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void headersOnAClosedStreamIsStreamClosed() throws Exception {
        try (RawH2 client = connect()) {
            client.headers(1, get("/small"), true);
            assertThat(client.response(1).status()).isEqualTo(200);
            client.headers(1, get("/small"), true);
            // RFC 9113 §5.1: frames on a closed stream: STREAM_CLOSED, as a stream or a connection error.
            RawH2.Frame error;
            do {
                error = client.next();
            } while (error != null && error.type() != RST_STREAM && error.type() != GOAWAY);
            assertThat(error).isNotNull();
            assertThat(error.errorCode()).isEqualTo(STREAM_CLOSED);
        }
    }

    @Test
    void continuationFloodBeyondTheHeaderListSizeClosesTheConnection() throws Exception {
        try (RawH2 client = connect()) {
            client.frame(HEADERS, 0, 1, client.encode(get("/small")));
            byte[] filler = new byte[4000];
            java.util.Arrays.fill(filler, (byte) 'a');
            try {
                for (int i = 0; i < 20; i++) {
                    client.frame(CONTINUATION, 0, 1, filler);
                }
            } catch (IOException closedWhileSending) {
                // The server may close before we are done flooding.
            }
            RawH2.Frame goAway = client.awaitGoAway();
            if (goAway != null) {
                assertThat(goAway.errorCode()).isIn(PROTOCOL_ERROR, ENHANCE_YOUR_CALM);
            }
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void manySmallContinuationFramesAreRefused() throws Exception {
        try (RawH2 client = connect()) {
            client.frame(HEADERS, 0, 1, client.encode(get("/small")));
            try {
                for (int i = 0; i < 200; i++) {
                    client.frame(CONTINUATION, 0, 1, new byte[0]);
                }
            } catch (IOException closedWhileSending) {
                // expected sooner or later
            }
            RawH2.Frame goAway = client.awaitGoAway();
            assertThat(goAway).isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
        }
    }

    @Test
    void rapidResetIsCalmedDown() throws Exception {
        try (RawH2 client = connect()) {
            try {
                for (int stream = 1; stream <= 2 * (H2TestServer.H2.maxResets() + 5); stream += 2) {
                    client.headers(stream, request("POST", "/small"), false);
                    client.rst(stream, 8);
                }
            } catch (IOException closedWhileSending) {
                // The server may already have closed.
            }
            RawH2.Frame goAway = client.awaitGoAway();
            assertThat(goAway).isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
        }
    }

    // ---- stream errors: RST_STREAM, the connection stays usable ----

    static Stream<Arguments> malformedRequests() {
        return Stream.of(
                Arguments.of("missing :path", List.of(new DefaultHttp2Headers(false).method("GET").scheme("http"))),
                Arguments.of("missing :method", List.of(new DefaultHttp2Headers(false).scheme("http").path("/small"))),
                Arguments.of("missing :scheme", List.of(new DefaultHttp2Headers(false).method("GET").path("/small"))),
                Arguments.of("empty :path", List.of(get(""))),
                Arguments.of(":path not starting with /", List.of(get("small"))),
                Arguments.of("* :path for GET", List.of(get("*"))),
                Arguments.of("duplicate :path", List.of(get("/small"), new DefaultHttp2Headers(false).path("/other"))),
                Arguments.of("unknown pseudo-header", List.of(get("/small").add(":foo", "bar"))),
                Arguments.of("response pseudo-header in a request", List.of(get("/small").status("200"))),
                Arguments.of("pseudo-header after a regular header",
                        List.of(new DefaultHttp2Headers(false).method("GET").scheme("http").add("accept", "*/*"),
                                new DefaultHttp2Headers(false).path("/small"))),
                Arguments.of("uppercase header name", List.of(get("/small").add("Accept", "*/*"))),
                Arguments.of("connection: keep-alive", List.of(get("/small").add("connection", "keep-alive"))),
                Arguments.of("keep-alive header", List.of(get("/small").add("keep-alive", "timeout=5"))),
                Arguments.of("transfer-encoding", List.of(get("/small").add("transfer-encoding", "chunked"))),
                Arguments.of("upgrade header", List.of(get("/small").add("upgrade", "websocket"))),
                Arguments.of("te: gzip", List.of(get("/small").add("te", "gzip"))),
                Arguments.of(":protocol without CONNECT", List.of(get("/small").add(":protocol", "websocket"))),
                Arguments.of("CONNECT with :path", List.of(request("CONNECT", "/small"))),
                // RFC 8441 §3: :protocol only after the server sent SETTINGS_ENABLE_CONNECT_PROTOCOL, which this
                // server (no tunnel route) does not; the stream stays on the connection and is refused there.
                Arguments.of("extended CONNECT the server did not offer",
                        List.of(request("CONNECT", "/small").add(":protocol", "websocket"))),
                Arguments.of("Host differs from :authority", List.of(get("/small").add("host", "evil.example"))),
                Arguments.of("value with leading space", List.of(get("/small").add("accept", " text/html"))),
                Arguments.of("value with a NUL", List.of(get("/small").add("accept", "a\0b"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedRequests")
    void malformedRequestsAreStreamErrors(String name, List<Http2Headers> blocks) throws Exception {
        try (RawH2 client = connect()) {
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            for (Http2Headers part : blocks) {
                block.write(client.encode(part));
            }
            client.frame(HEADERS, END_HEADERS | END_STREAM, 1, block.toByteArray());
            RawH2.Frame reset = client.await(RST_STREAM, 1);
            assertThat(reset).as("RST_STREAM for " + name).isNotNull();
            assertThat(reset.errorCode()).isEqualTo(PROTOCOL_ERROR);
            client.headers(3, get("/small"), true);
            assertThat(client.response(3).status()).as("the connection stays usable").isEqualTo(200);
        }
    }

    @Test
    void contentLengthMismatchIsAProtocolError() throws Exception {
        try (RawH2 client = connect()) {
            client.headers(1, request("POST", "/small").add("content-length", "10"), false);
            client.data(1, new byte[5], true);
            RawH2.Frame reset = client.await(RST_STREAM, 1);
            assertThat(reset.errorCode()).isEqualTo(PROTOCOL_ERROR);
            client.headers(3, get("/small"), true);
            assertThat(client.response(3).status()).isEqualTo(200);
        }
    }

    @Test
    void streamWindowUpdateOverflowAndZeroIncrementResetTheStream() throws Exception {
        try (RawH2 client = connect()) {
            client.headers(1, request("POST", "/small"), false);
            client.windowUpdate(1, 0x7fffffff);
            assertThat(client.await(RST_STREAM, 1).errorCode()).isEqualTo(FLOW_CONTROL_ERROR);
            client.headers(3, request("POST", "/small"), false);
            client.windowUpdate(3, 0);
            assertThat(client.await(RST_STREAM, 3).errorCode()).isEqualTo(PROTOCOL_ERROR);
            client.headers(5, get("/small"), true);
            assertThat(client.response(5).status()).isEqualTo(200);
        }
    }

    @Test
    void streamsBeyondMaxConcurrentStreamsAreRefused() throws Exception {
        int max = H2TestServer.H2.maxConcurrentStreams();
        try (RawH2 client = connect()) {
            for (int i = 0; i < max; i++) {
                client.headers(1 + 2 * i, request("POST", "/small"), false);
            }
            int extra = 1 + 2 * max;
            client.headers(extra, request("POST", "/small"), false);
            assertThat(client.await(RST_STREAM, extra).errorCode()).isEqualTo(REFUSED_STREAM);
            // Finishing one open stream makes room again.
            client.data(1, new byte[0], true);
            assertThat(client.response(1).status()).isEqualTo(200);
            client.headers(extra + 2, get("/small"), true);
            assertThat(client.response(extra + 2).status()).isEqualTo(200);
        }
    }

    // ---- request bodies ----

    @Test
    void bodyWithinTheLimitIsReadAndTheRequestAnswered() throws Exception {
        try (RawH2 client = connect()) {
            client.headers(1, request("POST", "/small"), false);
            client.data(1, new byte[2000], false);
            client.data(1, new byte[2000], true);
            assertThat(client.response(1).status()).isEqualTo(200);
        }
    }

    @Test
    void bodyOverMaxBodySizeGets413ThenResetNoError() throws Exception {
        try (RawH2 client = connect()) {
            client.headers(1, request("POST", "/small"), false);
            client.data(1, new byte[3000], false);
            client.data(1, new byte[3000], false);
            RawH2.Response tooLarge = client.response(1);
            assertThat(tooLarge.status()).isEqualTo(413);
            // RFC 9113 §8.1: complete response first, then RST_STREAM(NO_ERROR) asks the client to stop sending.
            assertThat(client.await(RST_STREAM, 1).errorCode()).isEqualTo(NO_ERROR);
            client.headers(3, get("/small"), true);
            assertThat(client.response(3).status()).isEqualTo(200);
        }
    }

    @Test
    void declaredContentLengthOverMaxBodySizeIsAnsweredAtOnce() throws Exception {
        try (RawH2 client = connect()) {
            client.headers(1, request("POST", "/small").add("content-length", "5000"), false);
            assertThat(client.response(1).status()).isEqualTo(413);
            assertThat(client.await(RST_STREAM, 1).errorCode()).isEqualTo(NO_ERROR);
        }
    }

    // ---- settings, flow control, drain ----

    @Test
    void serverAdvertisesItsSettingsAndGrowsTheConnectionWindow() throws Exception {
        try (RawH2 client = new RawH2("127.0.0.1", server.port())) {
            client.send(RawH2.PREFACE).frame(SETTINGS, 0, 0, new byte[0]);
            RawH2.Frame settings = client.next();
            assertThat(settings.type()).as("the server preface is a SETTINGS frame (§3.4)").isEqualTo(SETTINGS);
            assertThat(client.serverSettings()).containsEntry(3, 100L).containsEntry(4, (long) (1 << 20))
                    .containsEntry(5, 16384L).containsEntry(6, 16384L);
            // RFC 9113 §6.9.2: the connection window starts at 65,535 whatever SETTINGS say; WINDOW_UPDATEs
            // on stream 0 sent with the preface must bring it to http2_connection_window_size.
            long window = 65_535;
            RawH2.Frame frame;
            while ((frame = client.next()).type() != SETTINGS || (frame.flags() & RawH2.ACK) == 0) {
                if (frame.type() == WINDOW_UPDATE && frame.stream() == 0) {
                    window += ByteBuffer.wrap(frame.payload()).getInt();
                }
            }
            assertThat(window).isEqualTo(16 << 20);
        }
    }

    /** Asks for /file on stream 1 and reads DATA until the default 65,535-byte windows stall it part way. */
    private static long requestFileAndStall(RawH2 client) throws IOException {
        client.autoWindowUpdate(false);
        client.headers(1, get("/file"), true);
        long received = 0;
        while (received < 65_535) {
            RawH2.Frame frame = client.next();
            if (frame.type() == DATA) {
                received += frame.payload().length;
            }
        }
        return received;
    }

    /**
     * Reads stream 1 until the connection ends and checks that it ended the stream and that, with the
     * {@code received} bytes read before, the whole file arrived.
     */
    private static void assertTheRestOfTheFileArrives(RawH2 client, long received) throws IOException {
        long bytes = 0;
        boolean ended = false;
        RawH2.Frame frame;
        while ((frame = client.next()) != null) {
            if (frame.type() == DATA && frame.stream() == 1) {
                bytes += frame.payload().length;
                ended |= frame.endStream();
            }
        }
        assertThat(ended).isTrue();
        assertThat(received + bytes).isEqualTo(H2TestServer.FILE_SIZE);
    }

    @Test
    void drainSendsGoAwayAndLetsTheResponseInFlightFinish() throws Exception {
        int before = server.connections.size();
        try (RawH2 client = connect()) {
            long received = requestFileAndStall(client);
            server.connections.get(before).pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
            RawH2.Frame goAway;
            do {
                goAway = client.next();
                if (goAway != null && goAway.type() == DATA) {
                    received += goAway.payload().length;
                }
            } while (goAway != null && goAway.type() != GOAWAY);
            assertThat(goAway).isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(NO_ERROR);
            assertThat(ByteBuffer.wrap(goAway.payload()).getInt() & 0x7fffffff).as("last stream id").isEqualTo(1);
            client.autoWindowUpdate(true);
            client.windowUpdate(0, H2TestServer.FILE_SIZE).windowUpdate(1, H2TestServer.FILE_SIZE);
            assertTheRestOfTheFileArrives(client, received);
        }
    }

    @Test
    void aClientStillSendingWhenTheDrainedConnectionClosesGetsTheWholeBody() throws Exception {
        // RFC 9113 §6.8 / RFC 9112 §9.6: frames the client sends after the server's last byte must not meet a
        // closed socket, whose reset would reach the client before it has read the end of the response.
        int before = server.connections.size();
        try (RawH2 client = connect()) {
            long received = requestFileAndStall(client);
            server.connections.get(before).pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
            client.windowUpdate(0, H2TestServer.FILE_SIZE).windowUpdate(1, H2TestServer.FILE_SIZE);
            // The body is written and the server has closed its side, unread by us.
            io.netty.channel.Channel connection = server.connections.get(before);
            Poll.until("the server to write the body and close its side",
                    () -> ((io.netty.channel.socket.DuplexChannel) connection).isOutputShutdown());
            for (int i = 0; i < 16; i++) {
                client.windowUpdate(0, 1); // a plain close would answer these with a reset
            }
            assertTheRestOfTheFileArrives(client, received);
        }
    }

    @Test
    void clientResetMidBodyFreesTheResponse() throws Exception {
        int done = server.completed.size();
        try (RawH2 client = connect()) {
            client.autoWindowUpdate(false);
            client.headers(1, get("/file"), true);
            client.await(DATA, 1);
            client.rst(1, 8);
            client.autoWindowUpdate(true);
            client.headers(3, get("/small"), true);
            assertThat(client.response(3).status()).isEqualTo(200);
        }
        List<H2TestServer.Completed> completed = server.awaitCompleted(done + 2);
        assertThat(completed.subList(done, completed.size()))
                .filteredOn(c -> c.target().equals("/file")).singleElement()
                .satisfies(c -> assertThat(c.bodyBytes()).isLessThan(H2TestServer.FILE_SIZE));
    }
}
