package io.carbon.http3;

import io.carbon.testing.H3Client;
import io.carbon.testing.LeakDetectorExtension;
import io.carbon.testing.Poll;
import io.carbon.testing.TestServer;
import io.carbon.testing.Trust;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * HTTP/3 end to end with Netty's HTTP/3 client: the same exchange handling as HTTP/1.1 and HTTP/2 (files,
 * ranges, conditional requests, compression, errors, headers, the access log), flow control on a large file,
 * concurrent streams, a client that leaves mid-body, and Alt-Svc on the TCP side.
 */
@ExtendWith(LeakDetectorExtension.class)
class Http3EndToEndTest {

    @TempDir
    static Path dir;

    private static TestServer server;
    private static byte[] big;

    @BeforeAll
    static void start() throws Exception {
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.writeString(www.resolve("index.html"), "hello\n");
        Files.writeString(www.resolve("style.css"), "body { color: black; }\n".repeat(200));
        big = new byte[8 * 1024 * 1024];
        new Random(3).nextBytes(big);
        Files.write(www.resolve("big.bin"), big);
        Files.writeString(www.resolve("404.html"), "not here\n");
        server = TestServer.start(www, Files.createDirectories(dir.resolve("log")), Map.of(
                "use_https", "true", "https_port", "0", "enable_http2", "true", "enable_http3", "true",
                "ssl_cert_path", dir.resolve("ssl/cert.pem").toString(),
                "ssl_key_path", dir.resolve("ssl/key.pem").toString(), "max_body_size", "1000"));
        assertThat(server.server().http3Port()).isPositive();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static H3Client client() throws Exception {
        return new H3Client(server.server().http3Port());
    }

    @Test
    void aFileWithTheSameHeadersAsOverTcp() throws Exception {
        try (H3Client client = client()) {
            H3Client.Reply reply = client.get("/");
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.text()).isEqualTo("hello\n");
            assertThat(reply.header("content-length")).isEqualTo("6");
            assertThat(reply.header("server")).isEqualTo("Carbon");
            assertThat(reply.header("x-content-type-options")).isEqualTo("nosniff");
            assertThat(reply.header("etag")).isNotNull();
            assertThat(reply.header("connection")).isNull();
            H3Client.Reply again = client.get("/", "if-none-match", reply.header("etag"));
            assertThat(again.status()).isEqualTo(304);
            assertThat(again.body()).isEmpty();
        }
        Poll.untilChecked("the access log line", () -> Files.readString(dir.resolve("log/access.log")),
                log -> log.contains("\"GET / HTTP/3.0\" 200 6") && log.contains("\"GET / HTTP/3.0\" 304"));
    }

    @Test
    void rangesCompressionAndErrors() throws Exception {
        try (H3Client client = client()) {
            H3Client.Reply range = client.get("/big.bin", "range", "bytes=10-19");
            assertThat(range.status()).isEqualTo(206);
            assertThat(range.body()).isEqualTo(java.util.Arrays.copyOfRange(big, 10, 20));
            assertThat(range.header("content-range")).isEqualTo("bytes 10-19/" + big.length);

            H3Client.Reply gzip = client.get("/style.css", "accept-encoding", "gzip");
            assertThat(gzip.status()).isEqualTo(200);
            assertThat(gzip.header("content-encoding")).isEqualTo("gzip");
            assertThat(gzip.header("vary")).containsIgnoringCase("accept-encoding");

            H3Client.Reply missing = client.get("/nope");
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.text()).isEqualTo("not here\n");

            H3Client.Reply tooBig = client.request("POST", "/", new byte[2000], "content-length", "2000")
                    .get(10, TimeUnit.SECONDS);
            assertThat(tooBig.status()).isEqualTo(413);

            H3Client.Reply head = client.request("HEAD", "/big.bin", null).get(10, TimeUnit.SECONDS);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("content-length")).isEqualTo(String.valueOf(big.length));
            assertThat(head.body()).isEmpty();
        }
    }

    @Test
    void malformedRequestsResetTheirStreamAndTheConnectionGoesOn() throws Exception {
        try (H3Client client = client()) {
            // RFC 9114 §4.1.2 / §4.3.1: each is malformed, answered with a stream error (H3_MESSAGE_ERROR).
            for (String[] request : new String[][] {
                    {"GET", "no-slash"},
                    {"GET", "/", "host", "other.example"},
            }) {
                CompletableFuture<H3Client.Reply> reply = client.request(request[0], request[1], null,
                        java.util.Arrays.copyOfRange(request, 2, request.length));
                assertThatThrownBy(() -> reply.get(10, TimeUnit.SECONDS))
                        .as("%s %s", request[0], request[1]).isNotNull();
            }
            assertThat(client.get("/").status()).as("the connection still serves").isEqualTo(200);
        }
    }

    @Test
    void aLargeFileFlowsWithinTheClientsSmallWindows() throws Exception {
        try (H3Client client = new H3Client(server.server().http3Port(), 256 * 1024, 64 * 1024)) {
            H3Client.Reply reply = client.get("/big.bin");
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo(big);
        }
    }

    @Test
    void manyConcurrentStreamsOnOneConnection() throws Exception {
        try (H3Client client = client()) {
            List<CompletableFuture<H3Client.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                replies.add(client.request("GET", i % 2 == 0 ? "/" : "/style.css", null));
            }
            for (CompletableFuture<H3Client.Reply> reply : replies) {
                assertThat(reply.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
            }
        }
    }

    @Test
    void aClientThatLeavesMidBodyIsLoggedAndTheServerCarriesOn() throws Exception {
        H3Client leaving = client();
        CompletableFuture<H3Client.Reply> never = new CompletableFuture<>();
        leaving.open("POST", "/", never, "content-length", "500");
        Thread.sleep(200);
        leaving.close();
        assertThatThrownBy(() -> never.get(5, TimeUnit.SECONDS)).isNotNull();
        Poll.untilChecked("a 499 in the access log", () -> Files.readString(dir.resolve("log/access.log")),
                log -> log.contains("\"POST / HTTP/3.0\" 499"));
        try (H3Client client = client()) {
            assertThat(client.get("/").status()).isEqualTo(200);
        }
    }

    @Test
    void tcpResponsesAdvertiseHttp3() throws Exception {
        HttpClient h2 = HttpClient.newBuilder()
                .sslContext(Trust.pem(dir.resolve("ssl/cert.pem"))).build();
        HttpResponse<Void> response = h2.send(HttpRequest.newBuilder(
                        URI.create("https://127.0.0.1:" + server.server().httpsPort() + "/")).build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(response.headers().firstValue("alt-svc"))
                .hasValue("h3=\":" + server.server().http3Port() + "\"; ma=86400");
        HttpResponse<Void> plain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                server.uri("/")).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(plain.headers().firstValue("alt-svc")).as("only over TLS").isEmpty();
    }
}
