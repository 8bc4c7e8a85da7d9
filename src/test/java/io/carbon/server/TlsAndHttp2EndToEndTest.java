package io.carbon.server;

import io.carbon.testing.Trust;
import io.carbon.testing.RawHttp;
import io.carbon.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * TLS with ALPN, HTTP/2 over TLS and h2c, end to end: the same static-file behaviour on every protocol.
 * The certificate is the self-signed one Carbon generates when none exists.
 */
class TlsAndHttp2EndToEndTest {

    private static final String INDEX = "<!DOCTYPE html><title>h2</title>\n";

    @TempDir
    static Path temp;
    static Path www;
    static Path certFile;
    static byte[] big;
    static TestServer server;
    static HttpClient h2;
    static HttpClient h1;
    static SSLContext trust;

    @BeforeAll
    static void start() throws Exception {
        www = Files.createDirectories(temp.resolve("www"));
        Files.writeString(www.resolve("index.html"), INDEX);
        Files.writeString(www.resolve("404.html"), "custom 404\n");
        big = new byte[3 << 20];
        new Random(3).nextBytes(big);
        Files.write(www.resolve("big.bin"), big);
        certFile = temp.resolve("ssl/cert/cert.pem");
        server = TestServer.start(www, Files.createDirectories(temp.resolve("log")), Map.of(
                "use_https", "true",
                "https_port", "0",
                "enable_http2", "true",
                "ssl_cert_path", certFile.toString(),
                "ssl_key_path", temp.resolve("ssl/key/key.key").toString(),
                "hsts_max_age", "600"));
        trust = trusting(certFile);
        h2 = HttpClient.newBuilder().sslContext(trust).version(HttpClient.Version.HTTP_2).build();
        h1 = HttpClient.newBuilder().sslContext(trust).version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    static SSLContext trusting(Path pem) throws Exception {
        return Trust.pem(pem);
    }

    private URI https(String path) {
        return URI.create("https://127.0.0.1:" + server.server().httpsPort() + path);
    }

    static HttpResponse<byte[]> send(HttpClient client, URI uri, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void alpnNegotiatesHttp2AndServesTheSameResponse() throws Exception {
        HttpResponse<byte[]> response = send(h2, https("/"));
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(INDEX);
        var headers = response.headers();
        assertThat(headers.firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(headers.firstValue("content-length")).hasValue(String.valueOf(INDEX.length()));
        assertThat(headers.firstValue("server")).hasValue("Carbon");
        assertThat(headers.firstValue("etag")).isPresent();
        assertThat(headers.firstValue("x-content-type-options")).hasValue("nosniff");
        assertThat(headers.firstValue("strict-transport-security")).hasValue("max-age=600");
        assertThat(headers.firstValue("connection")).isEmpty();
    }

    @Test
    void alpnFallsBackToHttp11WithChunkedFileBodies() throws Exception {
        HttpResponse<byte[]> response = send(h1, https("/big.bin"));
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Arrays.equals(response.body(), big)).isTrue();
        assertThat(response.headers().firstValue("strict-transport-security")).hasValue("max-age=600");
    }

    @Test
    void largeFileOverHttp2ArrivesIntact() throws Exception {
        HttpResponse<byte[]> response = send(h2, https("/big.bin"));
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(Arrays.equals(response.body(), big)).isTrue();
    }

    @Test
    void manyConcurrentStreamsOnOneConnection() throws Exception {
        List<CompletableFuture<HttpResponse<byte[]>>> responses = IntStream.range(0, 64)
                .mapToObj(i -> h2.sendAsync(HttpRequest.newBuilder(https("/index.html?i=" + i)).build(),
                        HttpResponse.BodyHandlers.ofByteArray()))
                .toList();
        for (CompletableFuture<HttpResponse<byte[]>> response : responses) {
            HttpResponse<byte[]> r = response.get();
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(INDEX);
        }
    }

    @Test
    void errorsRangesAndConditionalsBehaveAsOnHttp11() throws Exception {
        HttpResponse<byte[]> missing = send(h2, https("/nope"));
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(new String(missing.body(), StandardCharsets.UTF_8)).isEqualTo("custom 404\n");

        HttpResponse<byte[]> range = send(h2, https("/big.bin"), "Range", "bytes=100-199");
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.body()).isEqualTo(Arrays.copyOfRange(big, 100, 200));
        assertThat(range.headers().firstValue("content-range")).hasValue("bytes 100-199/" + big.length);

        HttpResponse<byte[]> multi = send(h2, https("/big.bin"), "Range", "bytes=0-0,10-10");
        assertThat(multi.statusCode()).isEqualTo(206);
        assertThat(multi.headers().firstValue("content-type")).get().asString().startsWith("multipart/byteranges");

        String etag = range.headers().firstValue("etag").orElseThrow();
        assertThat(send(h2, https("/big.bin"), "If-None-Match", etag).statusCode()).isEqualTo(304);

        HttpResponse<byte[]> head = h2.send(HttpRequest.newBuilder(https("/big.bin"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("content-length")).hasValue(String.valueOf(big.length));

        HttpResponse<byte[]> delete = h2.send(HttpRequest.newBuilder(https("/index.html")).DELETE().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(delete.statusCode()).isEqualTo(405);
        assertThat(delete.headers().firstValue("allow")).hasValue("GET, HEAD, OPTIONS");
    }

    @Test
    void plainPortSpeaksH2cByUpgradeWithoutHsts() throws Exception {
        HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        HttpResponse<byte[]> response = send(plain, server.uri("/index.html"));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(INDEX);
        assertThat(response.headers().firstValue("strict-transport-security")).isEmpty();
        // The connection stays HTTP/2 for the next request.
        assertThat(send(plain, server.uri("/big.bin")).body()).hasSize(big.length);
    }

    @Test
    void plainPortSpeaksH2cByPriorKnowledge() throws Exception {
        try (var socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // empty SETTINGS
            out.flush();
            byte[] frameHeader = socket.getInputStream().readNBytes(9);
            assertThat(frameHeader[3]).as("first server frame is SETTINGS").isEqualTo((byte) 4);
        }
    }

    @Test
    void plainHttp11StillWorksNextToH2c() throws Exception {
        try (RawHttp raw = server.raw()) {
            RawHttp.Reply reply = raw.send("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.text()).isEqualTo(INDEX);
            assertThat(reply.header("strict-transport-security")).isNull();
        }
    }

    @Test
    void anH2cUpgradeWithSettingsAnswers101AndSwitchesToHttp2() throws Exception {
        try (RawHttp raw = server.raw()) {
            raw.send("GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                    + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
            String head = new String(raw.readSome(34), StandardCharsets.US_ASCII);
            assertThat(head).startsWith("HTTP/1.1 101 Switching Protocols\r\n");
        }
    }

    @Test
    void anH2cUpgradeThatCannotHappenIsAnsweredOverHttp11AndTheConnectionGoesOn() throws Exception {
        try (RawHttp raw = server.raw()) {
            // RFC 7540 §3.2.1: without exactly one HTTP2-Settings the server must not upgrade.
            RawHttp.Reply first = raw.send("GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                    + "Upgrade: h2c\r\n\r\n").read();
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.text()).isEqualTo(INDEX);
            // Later requests are plain HTTP/1.1, and an Upgrade on them is ignored.
            RawHttp.Reply second = raw.send("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(second.status()).isEqualTo(200);
            RawHttp.Reply third = raw.send("GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, "
                    + "HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n").read();
            assertThat(third.status()).isEqualTo(200);
            assertThat(third.text()).isEqualTo(INDEX);
        }
    }

    @Test
    void tls10And11AreRefused() throws Exception {
        try (SSLSocket socket = (SSLSocket) trust.getSocketFactory().createSocket("127.0.0.1", server.server().httpsPort())) {
            socket.setEnabledProtocols(new String[] {"TLSv1.1"});
            socket.setSoTimeout(5000);
            org.assertj.core.api.Assertions.assertThatThrownBy(socket::startHandshake)
                    .isInstanceOf(java.io.IOException.class);
        } catch (IllegalArgumentException unsupportedByThisJdk) {
            // The JDK itself no longer offers TLS 1.1; nothing to test.
        }
    }

    @Test
    void reloadServesTheNewCertificateToNewConnections() throws Exception {
        X509Certificate before = peerCertificate();
        Path keyFile = temp.resolve("ssl/key/key.key");
        Path fresh = temp.resolve("fresh");
        io.carbon.tls.SelfSignedCertificate.generate(fresh.resolve("cert.pem"), fresh.resolve("key.key"), "127.0.0.1");
        Files.move(fresh.resolve("cert.pem"), certFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(fresh.resolve("key.key"), keyFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        server.server().reload();
        trust = trusting(certFile);
        X509Certificate after = peerCertificate();
        assertThat(after.getSerialNumber()).isNotEqualTo(before.getSerialNumber());
        // Put the original client trust back for the other tests: they trust the file as it is now.
        h2 = HttpClient.newBuilder().sslContext(trust).version(HttpClient.Version.HTTP_2).build();
        h1 = HttpClient.newBuilder().sslContext(trust).version(HttpClient.Version.HTTP_1_1).build();
    }

    private X509Certificate peerCertificate() throws Exception {
        try (SSLSocket socket = (SSLSocket) trust.getSocketFactory().createSocket("127.0.0.1", server.server().httpsPort())) {
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }
}
