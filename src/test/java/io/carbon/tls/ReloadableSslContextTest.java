package io.carbon.tls;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReloadableSslContextTest {

    static EventLoopGroup group;
    static TestPki.Issued ca;
    static SSLContext client;

    @TempDir
    Path dir;
    final List<String> warnings = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ca = TestPki.ca("Reload Root");
        client = TestPki.clientTrusting(ca.cert());
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private TestPki.Issued install(Path cert, Path key) throws Exception {
        TestPki.Issued leaf = TestPki.leaf(ca, TestPki.ec());
        TestPki.writeCerts(cert, leaf.cert());
        TestPki.writePkcs8(key, leaf.key());
        return leaf;
    }

    private static java.math.BigInteger servedSerial(TlsTestServer.Client c) throws Exception {
        return ((X509Certificate) c.socket().getSession().getPeerCertificates()[0]).getSerialNumber();
    }

    @Test
    void reloadServesTheNewPairToNewConnectionsAndKeepsOldConnections() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        TestPki.Issued first = install(cert, key);
        ReloadableSslContext tls = ReloadableSslContext.load(cert, key, TlsContextsTest.TLS, true, warnings::add);
        assertThat(tls.currentLeaf()).isEqualTo(first.cert());

        try (TlsTestServer server = new TlsTestServer(group, tls);
             TlsTestServer.Client before = server.connect(client, null, "h2")) {
            assertThat(servedSerial(before)).isEqualTo(first.cert().getSerialNumber());

            TestPki.Issued second = install(cert, key);
            tls.reload();
            assertThat(tls.currentLeaf()).isEqualTo(second.cert());

            try (TlsTestServer.Client after = server.connect(client, null, "h2")) {
                assertThat(servedSerial(after)).isEqualTo(second.cert().getSerialNumber());
                assertThat(after.echo("new")).isEqualTo("new");
            }
            // The connection made before the reload still works, on its original certificate.
            assertThat(before.echo("still here")).isEqualTo("still here");
            assertThat(servedSerial(before)).isEqualTo(first.cert().getSerialNumber());
        }
        assertThat(warnings).isEmpty();
    }

    @Test
    void aFailedReloadKeepsTheOldContext() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        TestPki.Issued first = install(cert, key);
        ReloadableSslContext tls = ReloadableSslContext.load(cert, key, TlsContextsTest.TLS, false, warnings::add);

        // A renewal that went wrong: new certificate, key from somewhere else.
        TestPki.writeCerts(cert, TestPki.leaf(ca, TestPki.ec()).cert());
        assertThatThrownBy(tls::reload).isInstanceOf(TlsException.class)
                .hasMessageStartingWith(key + ": the private key does not match the certificate in " + cert);
        assertThat(tls.currentLeaf()).isEqualTo(first.cert());

        TestPki.write(cert, "garbage");
        assertThatThrownBy(tls::reload).hasMessageStartingWith(cert + ": no certificate found");

        try (TlsTestServer server = new TlsTestServer(group, tls);
             TlsTestServer.Client c = server.connect(client, null, "h2", "http/1.1")) {
            assertThat(servedSerial(c)).isEqualTo(first.cert().getSerialNumber());
            assertThat(c.serverAlpn()).isEqualTo("http/1.1");
        }
    }

    @Test
    void manyReloadsDoNotLeak() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        install(cert, key);
        ReloadableSslContext tls = ReloadableSslContext.load(cert, key, TlsContextsTest.TLS, true, warnings::add);
        try (TlsTestServer server = new TlsTestServer(group, tls)) {
            for (int i = 0; i < 5; i++) {
                TestPki.Issued leaf = install(cert, key);
                tls.reload();
                try (TlsTestServer.Client c = server.connect(client, null, "h2")) {
                    assertThat(servedSerial(c)).isEqualTo(leaf.cert().getSerialNumber());
                }
            }
        }
        // The leak detector extension checks after the class that nothing was left unreleased.
    }

    @Test
    void aFailedReloadNamesTheSettingAsStartDoes() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        TestPki.Issued first = install(cert, key);
        CertificateFiles files = new CertificateFiles(cert, key, "server.conf:3: ssl_cert_path = " + cert,
                "environment CARBON_SSL_KEY_PATH: ssl_key_path = " + key);
        ReloadableSslContext tls = ReloadableSslContext.load(files, TlsContextsTest.TLS, true, warnings::add);
        TestPki.writePkcs8(key, TestPki.ec().getPrivate());
        assertThatThrownBy(tls::reload).isInstanceOf(TlsException.class)
                .hasMessageStartingWith("environment CARBON_SSL_KEY_PATH: ssl_key_path = " + key
                        + ": the private key does not match the certificate in " + cert);
        TestPki.write(cert, "garbage\n");
        assertThatThrownBy(tls::reload).hasMessageStartingWith("server.conf:3: ssl_cert_path = " + cert + ": ");
        assertThat(tls.currentLeaf()).isEqualTo(first.cert());
    }
}
