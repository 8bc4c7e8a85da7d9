package io.carbon.http2;

import io.carbon.testing.Poll;
import io.carbon.testing.RawH2;
import io.carbon.testing.TestServer;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.carbon.testing.RawH2.END_HEADERS;
import static io.carbon.testing.RawH2.END_STREAM;
import static io.carbon.testing.RawH2.GOAWAY;
import static io.carbon.testing.RawH2.HEADERS;
import static io.carbon.testing.RawH2.RST_STREAM;
import static io.carbon.testing.RawH2.encodeFrame;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * RFC 9113 §5.1 and §5.1.1 over raw frames against the real server (h2c prior knowledge): which error a frame
 * on a stream in the wrong state gets, and the request timers of a stream (issue 13, defects 2 and 6).
 */
class Http2StreamStatesTest {

    static final long NO_ERROR = 0, PROTOCOL_ERROR = 1, STREAM_CLOSED = 5, CANCEL = 8;

    @TempDir
    static Path temp;
    static Path logs;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.startSite(temp, Map.of("enable_http2", "true", "header_timeout", "1s",
                "max_body_size", "1k"));
        logs = temp.resolve("log");
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static RawH2 connect() throws IOException {
        return new RawH2("127.0.0.1", server.port()).handshake();
    }

    private static Http2Headers request(String method, String path) {
        return new DefaultHttp2Headers(false).method(method).scheme("http").path(path).authority("localhost");
    }

    /** The first RST_STREAM or GOAWAY; null when the connection ended without either. */
    private static RawH2.Frame nextError(RawH2 client) throws IOException {
        RawH2.Frame frame;
        do {
            frame = client.next();
        } while (frame != null && frame.type() != RST_STREAM && frame.type() != GOAWAY);
        return frame;
    }

    @Test
    void headersWithoutEndStreamOnAHalfClosedRemoteStreamIsStreamClosed() throws Exception {
        try (RawH2 client = connect()) {
            // Both in one write: the second HEADERS arrives while stream 1 is half-closed (remote).
            ByteArrayOutputStream both = new ByteArrayOutputStream();
            both.write(encodeFrame(HEADERS, END_HEADERS | END_STREAM, 1, client.encode(request("GET", "/"))));
            both.write(encodeFrame(HEADERS, END_HEADERS, 1, client.encode(request("GET", "/"))));
            client.send(both.toByteArray());
            RawH2.Frame error = nextError(client);
            assertThat(error).isNotNull();
            assertThat(error.errorCode()).isEqualTo(STREAM_CLOSED);
        }
    }

    @Test
    void headersOnAStreamClosedByEndStreamIsAConnectionErrorStreamClosed() throws Exception {
        try (RawH2 client = connect()) {
            client.headers(1, request("GET", "/"), true);
            assertThat(client.response(1).status()).isEqualTo(200);
            client.headers(1, request("GET", "/"), true);
            RawH2.Frame error = nextError(client);
            assertThat(error).isNotNull();
            assertThat(error.type()).isEqualTo(GOAWAY);
            assertThat(error.errorCode()).isEqualTo(STREAM_CLOSED);
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void dataOnAStreamClosedByEndStreamIsAConnectionErrorStreamClosed() throws Exception {
        try (RawH2 client = connect()) {
            client.headers(1, request("GET", "/"), true);
            assertThat(client.response(1).status()).isEqualTo(200);
            client.data(1, new byte[] {1, 2, 3}, true);
            RawH2.Frame error = nextError(client);
            assertThat(error).isNotNull();
            assertThat(error.type()).isEqualTo(GOAWAY);
            assertThat(error.errorCode()).isEqualTo(STREAM_CLOSED);
        }
    }

    @Test
    void aStreamIdLowerThanOneAlreadyOpenedIsAConnectionErrorProtocolError() throws Exception {
        try (RawH2 client = connect()) {
            client.headers(5, request("GET", "/"), true);
            assertThat(client.response(5).status()).isEqualTo(200);
            client.headers(3, request("GET", "/"), true);
            RawH2.Frame error = nextError(client);
            assertThat(error).isNotNull();
            assertThat(error.type()).isEqualTo(GOAWAY);
            assertThat(error.errorCode()).isEqualTo(PROTOCOL_ERROR);
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void dataStillInFlightAfterTheServerResetAStreamIsNotAConnectionError() throws Exception {
        try (RawH2 client = connect()) {
            client.headers(1, request("POST", "/").add("content-length", "5000"), false);
            assertThat(client.response(1).status()).isEqualTo(413);
            assertThat(client.await(RST_STREAM, 1).errorCode()).isEqualTo(NO_ERROR);
            // RFC 9113 §5.1: frames the client sent before it saw our RST_STREAM are ignored, at worst reset.
            client.data(1, new byte[100], false);
            client.data(1, new byte[100], true);
            client.headers(3, request("GET", "/"), true);
            assertThat(client.response(3).status()).isEqualTo(200);
        }
    }

    @Test
    void anIdTheClientSkippedIsNeverOpenedSoUsingItLaterIsAProtocolError() throws Exception {
        try (RawH2 client = connect()) {
            client.headers(1, request("GET", "/"), true);
            assertThat(client.response(1).status()).isEqualTo(200);
            client.headers(7, request("GET", "/"), true);
            assertThat(client.response(7).status()).isEqualTo(200);
            client.headers(5, request("GET", "/"), true);
            RawH2.Frame error = nextError(client);
            assertThat(error).isNotNull();
            assertThat(error.type()).isEqualTo(GOAWAY);
            assertThat(error.errorCode()).isEqualTo(PROTOCOL_ERROR);
        }
    }

    @Test
    void headersOnAStreamTheClientResetIsAStreamErrorAndTheConnectionGoesOn() throws Exception {
        try (RawH2 client = connect()) {
            client.headers(1, request("POST", "/"), false);
            client.rst(1, (int) CANCEL);
            client.headers(1, request("GET", "/"), true);
            RawH2.Frame error = nextError(client);
            assertThat(error).isNotNull();
            assertThat(error.type()).isEqualTo(RST_STREAM);
            assertThat(error.stream()).isEqualTo(1);
            assertThat(error.errorCode()).isEqualTo(STREAM_CLOSED);
            client.headers(3, request("GET", "/"), true);
            assertThat(client.response(3).status()).isEqualTo(200);
        }
    }

    @Test
    void aStreamWhoseBodyStopsGets408ThenResetAndTheAccessLogShowsTheTimeHeld() throws Exception {
        try (RawH2 client = connect()) {
            client.headers(1, request("POST", "/slow-body"), false);
            client.data(1, new byte[] {1}, false);
            // header_timeout is 1 s; the socket waits up to 10 s, the connection's keep-alive is 65 s.
            client.timeout(10_000);
            RawH2.Response response = client.response(1);
            assertThat(response.status()).isEqualTo(408);
            RawH2.Frame reset = client.await(RST_STREAM, 1);
            assertThat(reset).isNotNull();
            assertThat(reset.errorCode()).isEqualTo(NO_ERROR);
            // The connection and its other streams are unharmed.
            client.headers(3, request("GET", "/"), true);
            assertThat(client.response(3).status()).isEqualTo(200);
        }
        String line = awaitAccessLogLine("/slow-body");
        assertThat(line).contains("\"POST /slow-body HTTP/2.0\" 408");
        double seconds = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        assertThat(seconds).as("the time the client held the stream").isGreaterThanOrEqualTo(0.9);
    }

    private static String awaitAccessLogLine(String path) throws Exception {
        Path log = logs.resolve("access.log");
        List<String> lines = Poll.untilChecked("an access log line for " + path,
                () -> Files.exists(log) ? Files.readAllLines(log) : List.<String>of(),
                read -> read.stream().anyMatch(line -> line.contains(path)));
        return lines.stream().filter(line -> line.contains(path)).findFirst().orElseThrow();
    }
}
