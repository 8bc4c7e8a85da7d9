package io.carbon.tls;

import io.carbon.testing.Poll;
import io.carbon.testing.TestServer;
import io.carbon.testing.Trust;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /.well-known/carbon/certificate-hash} on a real Carbon: the hash it answers is the SHA-256 of the
 * certificate the TLS handshake presents, over HTTP/1.1 and HTTP/2 on the TLS port and over plain HTTP, and it
 * follows a renewal.
 */
class CertificateHashEndToEndTest {

    private static final Pattern JSON = Pattern.compile(
            "\\{\"algorithm\":\"sha-256\",\"value\":\"([A-Za-z0-9+/=]+)\",\"hex\":\"([0-9a-f]{64})\","
                    + "\"notAfter\":\"([^\"]+)\"}\n");

    @TempDir
    Path dir;

    @Test
    void theHashIsTheServedCertificatesOnEveryPortAndProtocol() throws Exception {
        Path cert = dir.resolve("ssl/cert/cert.pem");
        try (TestServer server = TestServer.startSite(dir, Map.of(
                "use_https", "true",
                "https_port", "0",
                "enable_http2", "true",
                "self_signed_for_webtransport", "true",
                "ssl_cert_path", cert.toString(),
                "ssl_key_path", dir.resolve("ssl/key/key.key").toString()))) {
            X509Certificate generated = SelfSignedRenewalTest.read(cert);
            assertThat(SelfSignedCertificate.suitsWebTransport(generated)).isTrue();
            assertThat(Duration.between(generated.getNotBefore().toInstant(), generated.getNotAfter().toInstant()))
                    .isEqualTo(Duration.ofDays(13));

            for (HttpClient.Version version : new HttpClient.Version[] {HttpClient.Version.HTTP_1_1,
                    HttpClient.Version.HTTP_2}) {
                HttpResponse<String> response = get(version, https(server));
                assertThat(response.version()).isEqualTo(version);
                X509Certificate served = (X509Certificate) response.sslSession().orElseThrow()
                        .getPeerCertificates()[0];
                assertThat(served).isEqualTo(generated);
                assertAnswers(response, served);
            }
            // Plain HTTP: how a page or tool can learn the hash before it trusts anything.
            HttpResponse<String> plain = get(HttpClient.Version.HTTP_1_1, server.uri(CertificateHashRoute.PATH));
            assertAnswers(plain, generated);

            // HEAD has the headers and no body; other methods are the table's 405.
            HttpResponse<String> head = Trustless.CLIENT_H1.send(HttpRequest.newBuilder(https(server))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
            HttpResponse<String> post = Trustless.CLIENT_H1.send(HttpRequest.newBuilder(https(server))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
        }
    }

    @Test
    void aCertificateAboutToExpireIsRenewedAtStartAndTheEndpointFollows() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        SelfSignedCertificate.generate(cert, key, "127.0.0.1", Duration.ofDays(13),
                Instant.now().minus(Duration.ofDays(12)));
        X509Certificate old = SelfSignedRenewalTest.read(cert);
        try (TestServer server = TestServer.startSite(dir, Map.of(
                "use_https", "true",
                "https_port", "0",
                "self_signed_for_webtransport", "true",
                "ssl_cert_path", cert.toString(),
                "ssl_key_path", key.toString()))) {
            // The first check runs as the server starts, on its own thread. Each look is a new connection: one
            // kept open keeps the certificate it was made with.
            X509Certificate served = Poll.untilChecked("a renewed certificate is served",
                    () -> handshake(server), leaf -> !leaf.equals(old));
            assertThat(served).isEqualTo(SelfSignedRenewalTest.read(cert));
            HttpClient fresh = HttpClient.newBuilder().sslContext(Trust.any()).build();
            HttpResponse<String> response = fresh.send(HttpRequest.newBuilder(https(server)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.sslSession().orElseThrow().getPeerCertificates()[0]).isEqualTo(served);
            assertAnswers(response, served);
            assertThat(served.getNotAfter().toInstant()).isAfter(Instant.now().plus(Duration.ofDays(12)));
            Poll.untilChecked("the server log tells of the renewal", () -> Files.readString(dir.resolve("log/server.log"))
                    .contains("renewed the self-signed certificate " + cert));
        }
    }

    /** The certificate a new TLS connection to the server is given. */
    private static X509Certificate handshake(TestServer server) throws Exception {
        try (SSLSocket socket = (SSLSocket) Trust.any().getSocketFactory().createSocket("127.0.0.1",
                server.server().httpsPort())) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    private static void assertAnswers(HttpResponse<String> response, X509Certificate served) throws Exception {
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.headers().firstValue("cache-control")).hasValue("no-store");
        assertThat(response.headers().firstValue("access-control-allow-origin")).hasValue("*");
        Matcher json = parse(response);
        byte[] hash = sha256(served);
        assertThat(Base64.getDecoder().decode(json.group(1))).isEqualTo(hash);
        assertThat(json.group(2)).isEqualTo(HexFormat.of().formatHex(hash));
        assertThat(Instant.parse(json.group(3))).isEqualTo(served.getNotAfter().toInstant());
    }

    private static Matcher parse(HttpResponse<String> response) {
        Matcher json = JSON.matcher(response.body());
        assertThat(json.matches()).as("JSON answer: %s", response.body()).isTrue();
        return json;
    }

    private static byte[] sha256(X509Certificate certificate) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
    }

    private static URI https(TestServer server) {
        return URI.create("https://127.0.0.1:" + server.server().httpsPort() + CertificateHashRoute.PATH);
    }

    private static HttpResponse<String> get(HttpClient.Version version, URI uri) throws Exception {
        HttpClient client = version == HttpClient.Version.HTTP_2 ? Trustless.CLIENT_H2 : Trustless.CLIENT_H1;
        return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Clients that accept whichever certificate is served (it changes under the renewal test). */
    private static final class Trustless {
        static final HttpClient CLIENT_H1 = client(HttpClient.Version.HTTP_1_1);
        static final HttpClient CLIENT_H2 = client(HttpClient.Version.HTTP_2);

        private static HttpClient client(HttpClient.Version version) {
            try {
                return HttpClient.newBuilder().sslContext(Trust.any()).version(version).build();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
