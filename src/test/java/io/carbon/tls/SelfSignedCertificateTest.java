package io.carbon.tls;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SelfSignedCertificateTest {

    static EventLoopGroup group;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void generatesAUsablePairWithTheRightNamesAndPermissions() throws Exception {
        Path cert = dir.resolve("ssl/cert/cert.pem");
        Path key = dir.resolve("ssl/key/key.key");
        assertThat(SelfSignedCertificate.bothMissing(cert, key)).isTrue();

        SelfSignedCertificate.generate(cert, key, "carbon.test");

        assertThat(cert).exists();
        assertThat(key).exists();
        assertThat(SelfSignedCertificate.bothMissing(cert, key)).isFalse();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
        try (var files = Files.list(key.getParent())) {
            assertThat(files).as("no temp files left").containsExactly(key);
        }

        X509Certificate leaf = read(cert);
        assertThat(leaf.getSubjectX500Principal().getName()).contains("CN=carbon.test");
        assertThat(sans(leaf)).containsExactly("2:carbon.test", "2:localhost", "7:127.0.0.1", "7:0:0:0:0:0:0:0:1");
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getKeyUsage()[0]).as("digitalSignature").isTrue();
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(leaf.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(leaf.getNotBefore().toInstant()).isBefore(Instant.now());
        assertThat(Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant()))
                .isEqualTo(Duration.ofDays(397));

        List<String> warnings = new ArrayList<>();
        ReloadableSslContext tls = ReloadableSslContext.load(cert, key, TlsContextsTest.TLS, true, warnings::add);
        try (TlsTestServer server = new TlsTestServer(group, tls);
             TlsTestServer.Client c = server.connect(TestPki.clientTrusting(leaf), null, "h2", "http/1.1")) {
            assertThat(c.serverAlpn()).isEqualTo("h2");
            assertThat(c.socket().getSession().getPeerCertificates()[0]).isEqualTo(leaf);
        }
        assertThat(warnings).isEmpty();
    }

    @Test
    void ipLiteralsBecomeIpNamesAndWildcardsAreSkipped() throws Exception {
        Path cert = dir.resolve("c.pem");
        Path key = dir.resolve("k.pem");
        SelfSignedCertificate.generate(cert, key, "192.0.2.7");
        assertThat(sans(read(cert))).containsExactly("7:192.0.2.7", "2:localhost", "7:127.0.0.1",
                "7:0:0:0:0:0:0:0:1");
        SelfSignedCertificate.generate(cert, key, "0.0.0.0");
        assertThat(sans(read(cert))).containsExactly("2:localhost", "7:127.0.0.1", "7:0:0:0:0:0:0:0:1");
        assertThat(read(cert).getSubjectX500Principal().getName()).contains("CN=localhost");
        SelfSignedCertificate.generate(cert, key, "::");
        assertThat(sans(read(cert))).hasSize(3);
        SelfSignedCertificate.generate(cert, key, "[2001:db8::1]");
        assertThat(sans(read(cert))).first().isEqualTo("7:2001:db8:0:0:0:0:0:1");
    }

    @Test
    void bothMissingIsFalseWhenOnlyOneIsMissing() throws Exception {
        Path cert = TestPki.write(dir.resolve("cert.pem"), "x");
        assertThat(SelfSignedCertificate.bothMissing(cert, dir.resolve("key.pem"))).isFalse();
        assertThat(SelfSignedCertificate.bothMissing(dir.resolve("nope.pem"), cert)).isFalse();
    }

    @Test
    void anUnwritableDirectoryIsNamed() throws Exception {
        Path blocker = TestPki.write(dir.resolve("file"), "not a directory");
        Path key = blocker.resolve("key.pem");
        assertThatThrownBy(() -> SelfSignedCertificate.generate(dir.resolve("c.pem"), key, "localhost"))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith(key + ": cannot write the development key: ");
    }

    private static X509Certificate read(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static List<String> sans(X509Certificate certificate) throws Exception {
        List<String> names = new ArrayList<>();
        for (List<?> entry : certificate.getSubjectAlternativeNames()) {
            names.add(entry.get(0) + ":" + entry.get(1));
        }
        return names;
    }
}
