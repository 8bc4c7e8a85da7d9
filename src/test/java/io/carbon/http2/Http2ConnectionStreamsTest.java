package io.carbon.http2;

import io.carbon.testing.Poll;
import io.carbon.testing.RawH2;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static io.carbon.testing.RawH2.DATA;
import static io.carbon.testing.RawH2.HEADERS;
import static io.carbon.testing.RawH2.RST_STREAM;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request streams answered on the connection's own pipeline ({@link Http2RequestStreams}): many streams at once
 * on one connection, one of them still uploading; two large responses sharing small windows; a response reset
 * half-way; the connection going on after both.
 * Netty's leak detector runs at PARANOID in the tests, so a buffer left behind on any of these paths fails the run.
 */
class Http2ConnectionStreamsTest {

    @TempDir
    static Path dir;
    static H2TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new H2TestServer(dir, false);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static RawH2 connect() throws IOException {
        return new RawH2("127.0.0.1", server.port()).handshake();
    }

    private static Http2Headers request(String method, String path) {
        return new DefaultHttp2Headers(false).method(method).scheme("http").path(path).authority("localhost");
    }

    @Test
    void manyStreamsAreAnsweredWhileOneUploads() throws Exception {
        try (RawH2 client = connect()) {
            client.headers(1, request("POST", "/small"), false);
            client.data(1, new byte[1_000], false);
            Set<Integer> open = new HashSet<>();
            for (int stream = 3; stream <= 81; stream += 2) {
                client.headers(stream, request("GET", stream % 10 == 3 ? "/file" : "/small"), true);
                open.add(stream);
            }
            Map<Integer, ByteArrayOutputStream> bodies = new HashMap<>();
            Map<Integer, String> statuses = new HashMap<>();
            while (!open.isEmpty()) {
                RawH2.Frame frame = client.next();
                assertThat(frame).as("the connection stays open").isNotNull();
                assertThat(frame.type() == RST_STREAM).as("no stream is reset: " + frame).isFalse();
                if (frame.stream() == 1) {
                    // Only flow control: the upload's bytes go back to its window as they are read.
                    assertThat(frame.type()).as("nothing is answered on the uploading stream yet")
                            .isEqualTo(RawH2.WINDOW_UPDATE);
                    continue;
                }
                if (frame.type() == HEADERS) {
                    statuses.put(frame.stream(), frame.headers().status().toString());
                } else if (frame.type() == DATA) {
                    bodies.computeIfAbsent(frame.stream(), s -> new ByteArrayOutputStream()).write(frame.payload());
                }
                if ((frame.type() == HEADERS || frame.type() == DATA) && frame.endStream()) {
                    open.remove(frame.stream());
                }
            }
            for (int stream = 3; stream <= 81; stream += 2) {
                assertThat(statuses.get(stream)).isEqualTo("200");
                if (stream % 10 == 3) {
                    assertThat(bodies.get(stream).toByteArray()).isEqualTo(server.fileContent);
                } else {
                    assertThat(bodies.get(stream).toString()).isEqualTo(H2TestServer.SMALL);
                }
            }
            client.data(1, new byte[2_000], false);
            client.data(1, new byte[5], true);
            RawH2.Response upload = client.response(1);
            assertThat(upload.status()).isEqualTo(200);
            assertThat(upload.text()).isEqualTo(H2TestServer.SMALL);
        }
        server.awaitCompleted(41);
    }

    /**
     * RFC 9113 §6.9.1: a sender must never exceed the stream's or the connection's window. Two large responses on
     * one connection, 16 KiB stream windows (SETTINGS_INITIAL_WINDOW_SIZE) and the 65,535-byte connection window,
     * which the client tops up only as it reads: the outbound byte distributor must share the connection window
     * between both streams (each gets data before the other ends) without overrunning any window.
     */
    @Test
    void twoLargeResponsesShareSmallWindowsWithoutOverrunningThem() throws Exception {
        int streamWindow = 16_384;
        try (RawH2 client = connect()) {
            client.autoWindowUpdate(false);
            client.settings(0x4, streamWindow); // SETTINGS_INITIAL_WINDOW_SIZE, before any stream opens
            client.headers(1, request("GET", "/file"), true);
            client.headers(3, request("GET", "/file"), true);
            Map<Integer, Integer> credit = new HashMap<>(Map.of(1, streamWindow, 3, streamWindow));
            int connectionCredit = 65_535;
            Map<Integer, ByteArrayOutputStream> bodies = new HashMap<>();
            Set<Integer> open = new HashSet<>(Set.of(1, 3));
            boolean interleaved = false;
            while (!open.isEmpty()) {
                RawH2.Frame frame = client.next();
                assertThat(frame).as("the connection stays open").isNotNull();
                assertThat(frame.type() == RST_STREAM).as("no stream is reset: " + frame).isFalse();
                if (frame.type() != DATA) {
                    continue;
                }
                int stream = frame.stream();
                int length = frame.payload().length;
                credit.merge(stream, -length, Integer::sum);
                connectionCredit -= length;
                assertThat(credit.get(stream)).as("stream %d's window", stream).isNotNegative();
                assertThat(connectionCredit).as("the connection's window").isNotNegative();
                bodies.computeIfAbsent(stream, s -> new ByteArrayOutputStream()).write(frame.payload());
                interleaved |= open.size() == 2 && bodies.size() == 2;
                if (frame.endStream()) {
                    open.remove(stream);
                } else if (credit.get(stream) < streamWindow / 2) {
                    client.windowUpdate(stream, streamWindow - credit.get(stream));
                    credit.put(stream, streamWindow);
                }
                if (connectionCredit < streamWindow) {
                    client.windowUpdate(0, 65_535 - connectionCredit);
                    connectionCredit = 65_535;
                }
            }
            assertThat(bodies.get(1).toByteArray()).isEqualTo(server.fileContent);
            assertThat(bodies.get(3).toByteArray()).isEqualTo(server.fileContent);
            assertThat(interleaved).as("both streams got data while both were open").isTrue();
        }
    }

    @Test
    void aResetInTheMiddleOfALargeResponseLeavesTheConnectionWorking() throws Exception {
        try (RawH2 client = connect()) {
            // No WINDOW_UPDATE from us: the server sends the first 64 KiB of the file and waits for more window.
            client.autoWindowUpdate(false);
            // A target of its own: other tests' /file exchanges may still be reporting as this one starts.
            client.headers(1, request("GET", "/file?cut"), true);
            RawH2.Frame first = client.await(DATA, 1);
            assertThat(first).isNotNull();
            client.rst(1, 0x8); // CANCEL
            client.autoWindowUpdate(true);
            client.windowUpdate(0, 1 << 24);
            client.headers(3, request("GET", "/small"), true);
            RawH2.Response small = client.response(3);
            assertThat(small.status()).isEqualTo(200);
            assertThat(small.text()).isEqualTo(H2TestServer.SMALL);
        }
        H2TestServer.Completed cut = Poll.until("the reset response reported", () -> server.completed.stream()
                .filter(c -> c.target().equals("/file?cut")).findFirst().orElse(null), c -> c != null);
        assertThat(cut.bodyBytes()).as("only what was sent before the reset is counted")
                .isLessThan(H2TestServer.FILE_SIZE);
    }
}
