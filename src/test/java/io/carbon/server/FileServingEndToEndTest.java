package io.carbon.server;

import io.carbon.testing.Poll;
import io.carbon.testing.RawHttp;
import io.carbon.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The file cache, large files and compression end to end on every transport: HTTP/1.1 plain (sendfile),
 * HTTP/1.1 over TLS and HTTP/2 over TLS (chunks read on the blocking pool), h2c; clients that leave
 * mid-body; and the served files' descriptors, which must all be closed once the load is over.
 */
class FileServingEndToEndTest {

    static final String CSS = "body { margin: 0; padding: 0; color: #333; }\n".repeat(300);

    @TempDir
    static Path temp;
    static Path www;
    static byte[] big;
    static String bigText;
    static TestServer server;
    static SSLContext trust;
    static HttpClient h2;
    static HttpClient h1;

    @BeforeAll
    static void start() throws Exception {
        www = Files.createDirectories(temp.resolve("www"));
        Files.writeString(www.resolve("app.css"), CSS);
        big = new byte[3 << 20];
        new Random(7).nextBytes(big);
        Files.write(www.resolve("big.bin"), big);
        bigText = "2026-11-21 12:00:00 GET /index.html 200\n".repeat(40_000); // 1.6 MB of text
        Files.writeString(www.resolve("big.log"), bigText);
        Path cert = temp.resolve("ssl/cert.pem");
        server = TestServer.start(www, Files.createDirectories(temp.resolve("log")), Map.of(
                "use_https", "true",
                "https_port", "0",
                "enable_http2", "true",
                "ssl_cert_path", cert.toString(),
                "ssl_key_path", temp.resolve("ssl/key.pem").toString(),
                "cache_max_file_size", "1MiB",
                "compression_types", "text/*"));
        trust = TlsAndHttp2EndToEndTest.trusting(cert);
        h2 = HttpClient.newBuilder().sslContext(trust).version(HttpClient.Version.HTTP_2).build();
        h1 = HttpClient.newBuilder().sslContext(trust).version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static URI https(String path) {
        return URI.create("https://127.0.0.1:" + server.server().httpsPort() + path);
    }

    private static HttpResponse<byte[]> send(HttpClient client, URI uri, String... headers) throws Exception {
        return TlsAndHttp2EndToEndTest.send(client, uri, headers);
    }

    private static byte[] gunzip(byte[] bytes) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            return in.readAllBytes();
        }
    }

    @Test
    void aLargeFileArrivesWholeOnEveryTransport() throws Exception {
        List<URI> uris = List.of(server.uri("/big.bin"), https("/big.bin"));
        for (HttpClient client : List.of(h1, h2)) {
            for (URI uri : uris) {
                HttpResponse<byte[]> response = send(client, uri);
                assertThat(response.statusCode()).as(uri + " " + client.version()).isEqualTo(200);
                assertThat(response.body()).as(uri + " " + client.version()).isEqualTo(big);
            }
        }
    }

    @Test
    void aCachedTextFileIsCompressedOnceAndArrivesIntactOnEveryTransport() throws Exception {
        for (HttpClient client : List.of(h1, h2)) {
            for (URI uri : List.of(server.uri("/app.css"), https("/app.css"))) {
                HttpResponse<byte[]> response = send(client, uri, "Accept-Encoding", "gzip");
                assertThat(response.headers().firstValue("content-encoding")).hasValue("gzip");
                assertThat(response.headers().firstValue("vary")).hasValueSatisfying(
                        v -> assertThat(v).isEqualToIgnoringCase("accept-encoding"));
                assertThat(new String(gunzip(response.body()), StandardCharsets.UTF_8)).isEqualTo(CSS);
            }
        }
    }

    @Test
    void aLargeTextFileIsStreamedThroughGzipChunkedOnHttp1AndAsDataOnHttp2() throws Exception {
        for (HttpClient client : List.of(h1, h2)) {
            for (URI uri : List.of(server.uri("/big.log"), https("/big.log"))) {
                HttpResponse<byte[]> response = send(client, uri, "Accept-Encoding", "gzip");
                String where = uri + " " + client.version();
                assertThat(response.headers().firstValue("content-encoding")).as(where).hasValue("gzip");
                assertThat(response.headers().firstValue("content-length")).as(where).isEmpty();
                assertThat(new String(gunzip(response.body()), StandardCharsets.UTF_8)).as(where).isEqualTo(bigText);
            }
        }
        RawHttp.Reply reply = server.raw().send("GET /big.log HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n"
                + "Connection: close\r\n\r\n").read();
        assertThat(reply.header("transfer-encoding")).isEqualTo("chunked");
    }

    @Test
    void aCachedFileHasTheSameHeadOnTheFastPathAsWhenItWasFirstReadAndOverHttp2() throws Exception {
        Files.writeString(www.resolve("fresh.css"), CSS);
        try (RawHttp raw = server.raw()) {
            String get = "GET /fresh.css HTTP/1.1\r\nHost: x\r\n\r\n";
            RawHttp.Reply first = raw.send(get).read(); // read from disk
            RawHttp.Reply hit = raw.send(get).read(); // from the cache, its head rendered once
            assertThat(hit.headers().keySet()).containsExactlyElementsOf(first.headers().keySet());
            assertThat(hit.headers()).containsKeys("etag", "last-modified", "vary", "accept-ranges",
                    "content-type", "content-length", "date", "server", "x-content-type-options");
            assertThat(hit.header("content-length")).isEqualTo(String.valueOf(CSS.length()));
            assertThat(hit.header("etag")).isEqualTo(first.header("etag"));
            assertThat(hit.header("connection")).isNull();
            assertThat(new String(hit.body(), StandardCharsets.UTF_8)).isEqualTo(CSS);
            HttpResponse<byte[]> overH2 = send(h2, https("/fresh.css"));
            for (String name : hit.headers().keySet()) {
                if (!name.equals("date")) {
                    assertThat(overH2.headers().firstValue(name)).as(name).hasValue(hit.header(name));
                }
            }
            RawHttp.Reply head = raw.send("HEAD /fresh.css HTTP/1.1\r\nHost: x\r\n\r\n").read(true);
            assertThat(head.header("content-length")).isEqualTo(String.valueOf(CSS.length()));
            // Nothing but the head was sent: the next answer on the connection starts right after it.
            assertThat(raw.send(get).read().body()).hasSize(CSS.length());
        }
    }

    /**
     * The fast path writes a body of up to 4 KiB in the head's buffer and a larger one as a second message:
     * sizes on both sides of the line arrive exact, twice from the cache, and two requests sent in one
     * packet are answered one after the other without a byte of one in the other.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 4095, 4096, 4097, 20_000})
    void cachedBodiesAroundTheOneWriteLimitArriveExactAndInOrder(int size) throws Exception {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        String name = "/sized-" + size + ".bin";
        Files.write(www.resolve(name.substring(1)), bytes);
        String get = "GET " + name + " HTTP/1.1\r\nHost: x\r\n\r\n";
        try (RawHttp raw = server.raw()) {
            assertThat(raw.send(get).read().body()).isEqualTo(bytes); // from disk, then cached
            raw.send(get + get);
            for (int i = 0; i < 2; i++) {
                RawHttp.Reply hit = raw.read();
                assertThat(hit.status()).isEqualTo(200);
                assertThat(hit.header("content-length")).isEqualTo(String.valueOf(size));
                assertThat(hit.body()).isEqualTo(bytes);
            }
            RawHttp.Reply head = raw.send("HEAD " + name + " HTTP/1.1\r\nHost: x\r\n\r\n").read(true);
            assertThat(head.header("content-length")).isEqualTo(String.valueOf(size));
            assertThat(raw.send(get).read().body()).isEqualTo(bytes);
        }
    }

    @Test
    void theFastPathSaysWhatHappensToTheConnection() throws Exception {
        try (RawHttp raw = server.raw()) {
            String keepAlive = "GET /app.css HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
            raw.send(keepAlive).read();
            RawHttp.Reply again = raw.send(keepAlive).read();
            assertThat(again.header("connection")).isEqualTo("keep-alive");
            RawHttp.Reply last = raw.send("GET /app.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read();
            assertThat(last.status()).isEqualTo(200);
            assertThat(last.header("connection")).isEqualTo("close");
            assertThat(last.body()).hasSize(CSS.length());
            assertThat(raw.closedByServer()).isTrue();
        }
        try (RawHttp raw = server.raw()) {
            RawHttp.Reply http10 = raw.send("GET /app.css HTTP/1.0\r\n\r\n").read();
            assertThat(http10.header("connection")).isEqualTo("close");
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void http10GetsTheLargeTextFileUncompressedWithALength() throws Exception {
        RawHttp.Reply reply = server.raw().send("GET /big.log HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n").read();
        assertThat(reply.header("content-encoding")).isNull();
        assertThat(reply.header("content-length")).isEqualTo(String.valueOf(bigText.length()));
    }

    @Test
    void servedFilesAreAllClosedAfterLoadAndAfterClientsLeaveMidBody() throws Exception {
        for (int i = 0; i < 20; i++) {
            send(h1, server.uri("/big.bin"));
            send(h2, https("/big.bin"));
            send(h1, https("/big.log"), "Accept-Encoding", "gzip");
            send(h2, server.uri("/app.css"), "Accept-Encoding", "gzip");
        }
        // Clients that read the head and leave: plain (sendfile), TLS (chunks) and a gzip stream.
        for (int i = 0; i < 10; i++) {
            try (RawHttp raw = server.raw()) {
                raw.send("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
                raw.timeout(5000);
                readSome(raw);
            }
            try (RawHttp raw = server.raw()) {
                raw.send("GET /big.log HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
                readSome(raw);
            }
            try (SSLSocket tls = (SSLSocket) trust.getSocketFactory().createSocket("127.0.0.1",
                    server.server().httpsPort())) {
                tls.setSoTimeout(5000);
                OutputStream out = tls.getOutputStream();
                out.write("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                tls.getInputStream().readNBytes(1000);
            }
            HttpResponse<InputStream> partial = h2.send(HttpRequest.newBuilder(https("/big.bin")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = partial.body()) {
                body.readNBytes(1000); // closing early resets the stream
            }
        }
        Poll.untilChecked("every descriptor of a served file to be closed",
                FileServingEndToEndTest::openServedFiles, List::isEmpty);
    }

    private static void readSome(RawHttp raw) throws IOException {
        raw.readSome(1000);
    }

    /** Descriptors of this JVM that point into the document root. */
    private static List<String> openServedFiles() throws IOException {
        List<String> open = new ArrayList<>();
        Path root = www.toRealPath();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (target.startsWith(root)) {
                        open.add(target.toString());
                    }
                } catch (IOException e) {
                    // closed while we listed
                }
            }
        }
        return open;
    }
}
