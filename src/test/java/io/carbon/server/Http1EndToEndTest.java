package io.carbon.server;

import io.carbon.http.LingeringClose;
import io.carbon.testing.Poll;
import io.carbon.testing.RawHttp;
import io.carbon.testing.TestServer;
import io.netty.channel.socket.DuplexChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** HTTP/1.1 against a real server on an ephemeral port: RFC 9110 and RFC 9112 behaviour, end to end. */
class Http1EndToEndTest {

    private static final String INDEX = "<!DOCTYPE html><title>Carbon test</title><p>hello</p>\n";
    private static final String NOT_FOUND_PAGE = "<!DOCTYPE html><title>gone</title><p>custom 404</p>\n";

    @TempDir
    static Path temp;
    static Path www;
    static byte[] big;
    static TestServer server;
    static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        www = Files.createDirectories(temp.resolve("www"));
        Files.writeString(www.resolve("index.html"), INDEX);
        Files.writeString(www.resolve("404.html"), NOT_FOUND_PAGE);
        Files.writeString(www.resolve("style.css"), "body { color: black; }\n");
        Files.createDirectories(www.resolve("docs"));
        Files.writeString(www.resolve("docs/index.html"), "docs index\n");
        Files.writeString(www.resolve(".secret"), "do not serve\n");
        big = new byte[1 << 20];
        new Random(7).nextBytes(big);
        Files.write(www.resolve("big.bin"), big);
        Files.writeString(temp.resolve("outside.txt"), "outside the root\n");
        server = TestServer.start(www, Files.createDirectories(temp.resolve("log")), Map.of(
                "max_body_size", "4096",
                "max_request_line", "1024",
                "max_header_size", "4096"));
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void servesTheIndexWithStandardAndSecurityHeaders() throws Exception {
        HttpResponse<byte[]> response = get("/");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(INDEX);
        var headers = response.headers();
        assertThat(headers.firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(headers.firstValue("content-length")).hasValue(String.valueOf(INDEX.length()));
        assertThat(headers.firstValue("server")).hasValue("Carbon");
        assertThat(headers.firstValue("date")).get().asString().endsWith(" GMT");
        assertThat(headers.firstValue("etag")).get().asString().startsWith("\"");
        assertThat(headers.firstValue("last-modified")).isPresent();
        assertThat(headers.firstValue("accept-ranges")).hasValue("bytes");
        assertThat(headers.firstValue("x-content-type-options")).hasValue("nosniff");
        assertThat(headers.firstValue("x-frame-options")).hasValue("SAMEORIGIN");
        assertThat(headers.firstValue("referrer-policy")).isPresent();
        assertThat(headers.firstValue("content-security-policy")).hasValue("default-src 'self'");
    }

    @Test
    void queryStringIsIgnoredForLookup() throws Exception {
        assertThat(get("/style.css?v=123").statusCode()).isEqualTo(200);
    }

    @Test
    void missingFileUsesTheSitesErrorPage() throws Exception {
        HttpResponse<byte[]> response = get("/nope.html");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(NOT_FOUND_PAGE);
        assertThat(response.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(response.headers().firstValue("server")).hasValue("Carbon");
    }

    @Test
    void errorWithoutSitePageUsesTheBuiltInPage() throws Exception {
        try (RawHttp raw = server.raw()) {
            RawHttp.Reply reply = raw.send("DELETE /index.html HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(reply.status()).isEqualTo(405);
            assertThat(reply.header("allow")).isEqualTo("GET, HEAD, OPTIONS");
            assertThat(reply.text()).contains("405 Method Not Allowed");
            assertThat(reply.header("content-length")).isEqualTo(String.valueOf(reply.body().length));
        }
    }

    @Test
    void directoryWithoutSlashRedirectsAndWithSlashServesIndex() throws Exception {
        try (RawHttp raw = server.raw()) {
            RawHttp.Reply redirect = raw.send("GET /docs?x=1 HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(redirect.status()).isEqualTo(301);
            assertThat(redirect.header("location")).isEqualTo("/docs/?x=1");
            RawHttp.Reply index = raw.send("GET /docs/ HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(index.status()).isEqualTo(200);
            assertThat(index.text()).isEqualTo("docs index\n");
        }
    }

    @Test
    void headSendsTheSameHeadersAndNoBody() throws Exception {
        try (RawHttp raw = server.raw()) {
            RawHttp.Reply head = raw.send("HEAD /big.bin HTTP/1.1\r\nHost: x\r\n\r\n").read(true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("content-length")).isEqualTo(String.valueOf(big.length));
            // If HEAD had sent a body, these bytes would be read as the next status line.
            RawHttp.Reply get = raw.send("GET /style.css HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(get.status()).isEqualTo(200);
            assertThat(get.text()).isEqualTo("body { color: black; }\n");
        }
    }

    @Test
    void largeFileArrivesIntact() throws Exception {
        HttpResponse<byte[]> response = get("/big.bin");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Arrays.equals(response.body(), big)).isTrue();
    }

    @Test
    void optionsAnswersAllow() throws Exception {
        try (RawHttp raw = server.raw()) {
            RawHttp.Reply star = raw.send("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(star.status()).isEqualTo(204);
            assertThat(star.header("allow")).isEqualTo("GET, HEAD, OPTIONS");
            assertThat(star.header("content-length")).isNull();
            RawHttp.Reply path = raw.send("OPTIONS /index.html HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(path.status()).isEqualTo(204);
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (RawHttp raw = server.raw()) {
            raw.send("GET /style.css HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /missing HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "HEAD /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(raw.read().text()).isEqualTo("body { color: black; }\n");
            assertThat(raw.read().status()).isEqualTo(404);
            assertThat(raw.read(true).header("content-length")).isEqualTo(String.valueOf(INDEX.length()));
            assertThat(raw.read().text()).isEqualTo(INDEX);
        }
    }

    @Test
    void manyPipelinedRequestsBeyondTheReadAheadBoundAllArrive() throws Exception {
        StringBuilder burst = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            burst.append("GET /style.css?n=").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        try (RawHttp raw = server.raw()) {
            raw.send(burst.toString());
            for (int i = 0; i < 100; i++) {
                assertThat(raw.read().status()).isEqualTo(200);
            }
        }
    }

    @Test
    void keepAliveIsTheDefaultAndConnectionCloseIsHonoured() throws Exception {
        try (RawHttp raw = server.raw()) {
            assertThat(raw.send("GET /style.css HTTP/1.1\r\nHost: x\r\n\r\n").read().header("connection")).isNull();
            RawHttp.Reply last = raw.send("GET /style.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read();
            assertThat(last.header("connection")).isEqualTo("close");
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void http10ClosesUnlessAskedToKeepAlive() throws Exception {
        try (RawHttp raw = server.raw()) {
            RawHttp.Reply kept = raw.send("GET /style.css HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
            assertThat(kept.statusLine()).startsWith("HTTP/1.1 200");
            assertThat(kept.header("connection")).isEqualToIgnoringCase("keep-alive");
            raw.send("GET /style.css HTTP/1.0\r\n\r\n").read();
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void bodyOnGetIsReadAndDiscarded() throws Exception {
        try (RawHttp raw = server.raw()) {
            raw.send("GET /style.css HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                    + "GET /index.html HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                    + "GET /style.css HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(raw.read().status()).isEqualTo(200);
            assertThat(raw.read().text()).isEqualTo(INDEX);
            assertThat(raw.read().status()).isEqualTo(200);
        }
    }

    @Test
    void bodyOverTheLimitIs413AndCloses() throws Exception {
        try (RawHttp raw = server.raw()) {
            RawHttp.Reply declared = raw.send("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n").read();
            assertThat(declared.status()).isEqualTo(413);
            assertThat(raw.closedByServer()).isTrue();
        }
        try (RawHttp raw = server.raw()) {
            raw.send("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            String chunk = "a".repeat(1000);
            for (int i = 0; i < 5; i++) {
                raw.send(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
            }
            assertThat(raw.read().status()).isEqualTo(413);
        }
    }

    @Test
    void aRefusedBodyStillBeingSentDoesNotResetTheAnswerAway() throws Exception {
        // RFC 9112 §9.6: closing with the rest of the body unread makes the kernel send RST, and a client that
        // has not read the 413 yet loses it. The server half-closes and discards what still arrives instead.
        try (RawHttp raw = server.raw()) {
            raw.send("PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n");
            raw.send(new byte[256 * 1024]); // arrives after the server decided: never read by the codec
            Poll.until("the server to write its 413 and close its side", () -> outputShutDown(raw.localPort()));
            raw.send(new byte[64 * 1024]);
            RawHttp.Reply refused = raw.read();
            assertThat(refused.status()).isEqualTo(413);
            assertThat(refused.header("connection")).isEqualTo("close");
            assertThat(raw.readToEnd()).as("a clean end of the stream, not a reset").isEmpty();
        }
    }

    @Test
    void aRefusedClientThatNeverStopsSendingIsCutOffAfterTheLingerTime() throws Exception {
        // Lingering discards what still arrives, but only for LINGER_MILLIS: a client cannot hold the socket.
        try (RawHttp raw = server.raw()) {
            raw.send("PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n");
            assertThat(raw.read().status()).isEqualTo(413);
            // The stimulus: the client goes on sending, a piece at every check, until the server resets it once
            // it closed for good. The deadline is 10 times the linger time: only that timer can end it in time.
            Poll.until("the server to cut off a client that is still sending",
                    Duration.ofMillis(10 * LingeringClose.LINGER_MILLIS), () -> {
                        try {
                            raw.send(new byte[16 * 1024]);
                            return false;
                        } catch (IOException e) {
                            return true;
                        }
                    });
        }
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("garbage request line", "HELLO\r\n\r\n", 400),
                Arguments.of("missing Host on HTTP/1.1", "GET / HTTP/1.1\r\n\r\n", 400),
                Arguments.of("two Host headers", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
                Arguments.of("invalid Host", "GET / HTTP/1.1\r\nHost: a b/c\r\n\r\n", 400),
                Arguments.of("Content-Length and Transfer-Encoding",
                        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
                Arguments.of("two different Content-Length",
                        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
                Arguments.of("negative Content-Length", "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400),
                // RFC 9112 §6.3: chunked not final -> 400; §6.1: a coding we do not implement -> 501.
                Arguments.of("chunked not the final coding",
                        "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
                Arguments.of("unknown transfer coding",
                        "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
                Arguments.of("Transfer-Encoding on HTTP/1.0",
                        "GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
                Arguments.of("space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
                Arguments.of("control byte in a header value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n", 400),
                Arguments.of("NUL in a header name", "GET / HTTP/1.1\r\nHost: x\r\nX\u0000A: b\r\n\r\n", 400),
                Arguments.of("relative target", "GET index.html HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                Arguments.of("asterisk with GET", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                Arguments.of("HTTP/2.0 on the HTTP/1 port", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
                Arguments.of("HTTP/0.9 version", "GET / HTTP/0.9\r\nHost: x\r\n\r\n", 505),
                Arguments.of("over-long target", "GET /" + "a".repeat(2000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414),
                Arguments.of("over-large headers",
                        "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(5000) + "\r\n\r\n", 431),
                Arguments.of("unknown expectation", "GET / HTTP/1.1\r\nHost: x\r\nExpect: magic\r\n\r\n", 417));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("malformed")
    void malformedRequestsGetAPreciseStatusAndTheConnectionCloses(String name, String request, int status)
            throws Exception {
        try (RawHttp raw = server.raw()) {
            RawHttp.Reply reply = raw.send(request).read();
            assertThat(reply.status()).as(name).isEqualTo(status);
            assertThat(reply.header("connection")).isEqualTo("close");
            assertThat(reply.header("server")).isEqualTo("Carbon");
            assertThat(reply.header("content-length")).isEqualTo(String.valueOf(reply.body().length));
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void absoluteFormTargetIsAccepted() throws Exception {
        try (RawHttp raw = server.raw()) {
            RawHttp.Reply reply = raw.send("GET http://example.test/style.css HTTP/1.1\r\nHost: other\r\n\r\n").read();
            assertThat(reply.status()).isEqualTo(200);
        }
    }

    @Test
    void responsesBeforeAMalformedPipelinedRequestAreStillSent() throws Exception {
        try (RawHttp raw = server.raw()) {
            raw.send("GET /style.css HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n\r\n");
            assertThat(raw.read().status()).isEqualTo(200);
            assertThat(raw.read().status()).isEqualTo(400);
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    static List<String> traversals() {
        return List.of("/../outside.txt", "/..%2foutside.txt", "/%2e%2e/outside.txt", "/%2E%2E%2Foutside.txt",
                "/..%5coutside.txt", "/%c0%ae%c0%ae/outside.txt", "/%252e%252e/outside.txt",
                "/docs/../../outside.txt", "/.secret", "/%2esecret", "/docs/%2e%2e/%2e%2e/outside.txt",
                "/index.html%00.txt", "//outside.txt");
    }

    @ParameterizedTest
    @MethodSource("traversals")
    void traversalNeverLeavesTheRoot(String target) throws Exception {
        try (RawHttp raw = server.raw()) {
            RawHttp.Reply reply = raw.send("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read();
            assertThat(reply.status()).as(target).isIn(400, 403, 404);
            assertThat(reply.text()).doesNotContain("outside the root").doesNotContain("do not serve");
        }
    }

    @Test
    void conditionalRequests() throws Exception {
        HttpResponse<byte[]> first = get("/style.css");
        String etag = first.headers().firstValue("etag").orElseThrow();
        String lastModified = first.headers().firstValue("last-modified").orElseThrow();

        HttpResponse<byte[]> notModified = get("/style.css", "If-None-Match", etag);
        assertThat(notModified.statusCode()).isEqualTo(304);
        assertThat(notModified.body()).isEmpty();
        assertThat(notModified.headers().firstValue("etag")).hasValue(etag);

        assertThat(get("/style.css", "If-Modified-Since", lastModified).statusCode()).isEqualTo(304);
        assertThat(get("/style.css", "If-None-Match", "\"other\"").statusCode()).isEqualTo(200);
        assertThat(get("/style.css", "If-Match", "\"other\"").statusCode()).isEqualTo(412);
        assertThat(get("/style.css", "If-Match", etag).statusCode()).isEqualTo(200);
        assertThat(get("/style.css", "If-Unmodified-Since", "Sat, 01 Jan 2000 00:00:00 GMT").statusCode()).isEqualTo(412);
        // RFC 9110 §13.2.2: If-None-Match is evaluated, and If-Modified-Since ignored, when both are present.
        assertThat(get("/style.css", "If-None-Match", "\"other\"", "If-Modified-Since", lastModified).statusCode())
                .isEqualTo(200);
    }

    @Test
    void ranges() throws Exception {
        HttpResponse<byte[]> single = get("/big.bin", "Range", "bytes=10-19");
        assertThat(single.statusCode()).isEqualTo(206);
        assertThat(single.headers().firstValue("content-range")).hasValue("bytes 10-19/" + big.length);
        assertThat(single.body()).isEqualTo(Arrays.copyOfRange(big, 10, 20));

        HttpResponse<byte[]> suffix = get("/big.bin", "Range", "bytes=-5");
        assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(big, big.length - 5, big.length));

        HttpResponse<byte[]> multi = get("/big.bin", "Range", "bytes=0-1,100-101");
        assertThat(multi.statusCode()).isEqualTo(206);
        assertThat(multi.headers().firstValue("content-type")).get().asString().startsWith("multipart/byteranges; boundary=");
        assertThat(multi.headers().firstValue("content-length")).hasValue(String.valueOf(multi.body().length));
        assertThat(new String(multi.body(), StandardCharsets.ISO_8859_1))
                .contains("Content-Range: bytes 0-1/" + big.length)
                .contains("Content-Range: bytes 100-101/" + big.length);

        HttpResponse<byte[]> unsatisfiable = get("/big.bin", "Range", "bytes=" + big.length + "-");
        assertThat(unsatisfiable.statusCode()).isEqualTo(416);
        assertThat(unsatisfiable.headers().firstValue("content-range")).hasValue("bytes */" + big.length);

        String etag = single.headers().firstValue("etag").orElseThrow();
        assertThat(get("/big.bin", "Range", "bytes=0-0", "If-Range", etag).statusCode()).isEqualTo(206);
        assertThat(get("/big.bin", "Range", "bytes=0-0", "If-Range", "\"stale\"").statusCode()).isEqualTo(200);
    }

    /** True when the server has shut down the writing side of the connection from {@code clientPort}. */
    private static boolean outputShutDown(int clientPort) {
        return server.server().connections().stream()
                .filter(c -> c.remoteAddress() instanceof InetSocketAddress peer && peer.getPort() == clientPort)
                .anyMatch(c -> c instanceof DuplexChannel duplex && duplex.isOutputShutdown());
    }
}
