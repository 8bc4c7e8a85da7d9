package io.carbon.tls;

import io.carbon.config.TlsConfig;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TlsContextsTest {

    static final TlsConfig TLS = new TlsConfig(false, 0, false, false, 1024, Duration.ofMinutes(5),
            Duration.ofSeconds(10), true);

    static EventLoopGroup group;
    static TestPki.Issued ca;
    static TestPki.Issued intermediate;
    static SSLContext client;

    @TempDir
    Path dir;
    final List<String> warnings = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ca = TestPki.ca("Test Root");
        intermediate = TestPki.intermediate(ca, "Test Intermediate");
        client = TestPki.clientTrusting(ca.cert());
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Leaf (EC unless given) issued by the intermediate; cert.pem = leaf + intermediate, key.pem = PKCS#8. */
    Path[] pair(KeyPair keys) throws Exception {
        TestPki.Issued leaf = TestPki.leaf(intermediate, keys);
        return new Path[]{TestPki.writeCerts(dir.resolve("cert.pem"), leaf.cert(), intermediate.cert()),
                TestPki.writePkcs8(dir.resolve("key.pem"), leaf.key())};
    }

    ReloadableSslContext load(Path[] files, boolean offerH2) throws TlsException {
        return ReloadableSslContext.load(files[0], files[1], TLS, offerH2, warnings::add);
    }

    @Test
    void openSslIsUsedOnThisMachine() {
        assertThat(OpenSsl.isAvailable()).as("netty-tcnative should load here: %s", OpenSsl.unavailabilityCause())
                .isTrue();
    }

    @Test
    void tls13AndTls12NegotiateAndTheFullChainIsSent() throws Exception {
        try (TlsTestServer server = new TlsTestServer(group, load(pair(TestPki.ec()), true))) {
            try (TlsTestServer.Client c = server.connect(client, null, "h2", "http/1.1")) {
                assertThat(c.socket().getSession().getProtocol()).isEqualTo("TLSv1.3");
                assertThat(c.socket().getSession().getPeerCertificates()).hasSize(2);
            }
            try (TlsTestServer.Client c = server.connect(client, new String[]{"TLSv1.2"}, "http/1.1")) {
                assertThat(c.socket().getSession().getProtocol()).isEqualTo("TLSv1.2");
                assertThat(c.socket().getSession().getCipherSuite()).startsWith("TLS_ECDHE_ECDSA_WITH_")
                        .containsAnyOf("_GCM_", "CHACHA20");
                assertThat(c.socket().getSession().getPeerCertificates()).hasSize(2);
            }
        }
        assertThat(warnings).isEmpty();
    }

    @Test
    void alpnPicksH2OnlyWhenOffered() throws Exception {
        Path[] files = pair(TestPki.ec());
        try (TlsTestServer server = new TlsTestServer(group, load(files, true))) {
            try (TlsTestServer.Client c = server.connect(client, null, "h2", "http/1.1")) {
                assertThat(c.serverAlpn()).isEqualTo("h2");
                assertThat(c.socket().getApplicationProtocol()).isEqualTo("h2");
            }
            try (TlsTestServer.Client c = server.connect(client, null, "http/1.1")) {
                assertThat(c.serverAlpn()).isEqualTo("http/1.1");
            }
        }
        try (TlsTestServer server = new TlsTestServer(group, load(files, false))) {
            try (TlsTestServer.Client c = server.connect(client, null, "h2", "http/1.1")) {
                assertThat(c.serverAlpn()).isEqualTo("http/1.1");
            }
            // NO_ADVERTISE + ACCEPT: a client without ALPN still gets through (and speaks HTTP/1.1).
            try (TlsTestServer.Client c = server.connect(client, null)) {
                assertThat(c.serverAlpn()).isIn("none", "");
            }
        }
    }

    @Test
    void tls11IsRefused() throws Exception {
        try (TlsTestServer server = new TlsTestServer(group, load(pair(TestPki.rsa()), true));
             Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(tls11ClientHello());
            socket.getOutputStream().flush();
            byte[] reply = readUpTo(socket.getInputStream(), 7);
            // Either an alert record (content type 21) or a closed connection; never a ServerHello (22).
            if (reply.length > 0) {
                assertThat(reply[0]).as("record type").isEqualTo((byte) 21);
            }
            if (reply.length == 7) {
                assertThat(reply[6]).as("alert").isIn((byte) 70 /* protocol_version */, (byte) 40);
            }
        }
    }

    /** A ClientHello that offers only TLS 1.1 (RFC 4346 §7.4.1.2): no supported_versions extension. */
    private static byte[] tls11ClientHello() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(3);
        body.write(2); // client_version TLS 1.1
        body.writeBytes(new byte[32]); // random
        body.write(0); // session id
        int[] suites = {0xC013, 0xC014, 0xC009, 0xC00A, 0x002F, 0x0035, 0xC02F, 0xC02B};
        body.write(0);
        body.write(suites.length * 2);
        for (int suite : suites) {
            body.write(suite >> 8);
            body.write(suite & 0xFF);
        }
        body.write(1);
        body.write(0); // null compression
        byte[] extensions = {0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17, // supported_groups: secp256r1
                0x00, 0x0b, 0x00, 0x02, 0x01, 0x00}; // ec_point_formats: uncompressed
        body.write(0);
        body.write(extensions.length);
        body.writeBytes(extensions);
        byte[] hello = body.toByteArray();
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.writeBytes(new byte[]{22, 3, 1, (byte) ((hello.length + 4) >> 8), (byte) (hello.length + 4)});
        record.writeBytes(new byte[]{1, 0, (byte) (hello.length >> 8), (byte) hello.length});
        record.writeBytes(hello);
        return record.toByteArray();
    }

    private static byte[] readUpTo(InputStream in, int n) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            while (out.size() < n) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                out.write(b);
            }
        } catch (java.net.SocketException reset) {
            // A reset instead of an alert is also a refusal.
        }
        return out.toByteArray();
    }

    @Test
    void pkcs1RsaSec1EcAndPkcs8KeysAllWork() throws Exception {
        KeyPair rsa = TestPki.rsa();
        TestPki.Issued rsaLeaf = TestPki.leaf(intermediate, rsa);
        Path rsaCert = TestPki.writeCerts(dir.resolve("rsa.pem"), rsaLeaf.cert(), intermediate.cert());
        Path pkcs1 = TestPki.writeTraditional(dir.resolve("rsa.key"), rsa.getPrivate());
        assertThat(Files.readString(pkcs1)).contains("BEGIN RSA PRIVATE KEY");

        KeyPair ec = TestPki.ec();
        TestPki.Issued ecLeaf = TestPki.leaf(intermediate, ec);
        Path ecCert = TestPki.writeCerts(dir.resolve("ec.pem"), ecLeaf.cert(), intermediate.cert());
        Path sec1 = TestPki.writeTraditional(dir.resolve("ec.key"), ec.getPrivate());
        assertThat(Files.readString(sec1)).contains("BEGIN EC PRIVATE KEY");
        Path pkcs8 = TestPki.writePkcs8(dir.resolve("ec8.key"), ec.getPrivate());

        for (Path[] files : List.of(new Path[]{rsaCert, pkcs1}, new Path[]{ecCert, sec1}, new Path[]{ecCert, pkcs8})) {
            try (TlsTestServer server = new TlsTestServer(group, load(files, true));
                 TlsTestServer.Client c = server.connect(client, null, "h2")) {
                assertThat(c.serverAlpn()).as("%s", files[1]).isEqualTo("h2");
            }
        }
    }

    @Test
    void jdkProviderAlsoWorks() throws Exception {
        Path[] files = pair(TestPki.rsa());
        ReloadableSslContext jdk = ReloadableSslContext.load(files[0], files[1], TLS, true, warnings::add,
                SslProvider.JDK);
        try (TlsTestServer server = new TlsTestServer(group, jdk)) {
            try (TlsTestServer.Client c = server.connect(client, null, "h2", "http/1.1")) {
                assertThat(c.socket().getSession().getProtocol()).isEqualTo("TLSv1.3");
                assertThat(c.serverAlpn()).isEqualTo("h2");
                assertThat(c.socket().getSession().getPeerCertificates()).hasSize(2);
            }
            try (TlsTestServer.Client c = server.connect(client, new String[]{"TLSv1.2"}, "http/1.1")) {
                assertThat(c.socket().getSession().getCipherSuite()).startsWith("TLS_ECDHE_RSA_WITH_");
                assertThat(c.serverAlpn()).isEqualTo("http/1.1");
            }
        }
    }

    @Test
    void mismatchedKeyNamesBothFiles() throws Exception {
        Path cert = pair(TestPki.ec())[0];
        Path otherKey = TestPki.writePkcs8(dir.resolve("other.key"), TestPki.ec().getPrivate());
        assertThatThrownBy(() -> TlsContexts.serverContext(cert, otherKey, TLS, true, warnings::add))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith(otherKey + ": the private key does not match the certificate in " + cert);
        // An RSA key against an EC certificate too.
        Path rsaKey = TestPki.writePkcs8(dir.resolve("rsa.key"), TestPki.rsa().getPrivate());
        assertThatThrownBy(() -> TlsContexts.serverContext(cert, rsaKey, TLS, true, warnings::add))
                .hasMessageContaining("does not match");
    }

    @Test
    void leafNotFirstIsSentFirstWithAWarning() throws Exception {
        KeyPair keys = TestPki.ec();
        TestPki.Issued leaf = TestPki.leaf(intermediate, keys);
        Path cert = TestPki.writeCerts(dir.resolve("cert.pem"), intermediate.cert(), leaf.cert());
        Path key = TestPki.writePkcs8(dir.resolve("key.pem"), keys.getPrivate());
        try (TlsTestServer server = new TlsTestServer(group, ReloadableSslContext.load(cert, key, TLS, true,
                warnings::add)); TlsTestServer.Client c = server.connect(client, null, "h2")) {
            assertThat(c.socket().getSession().getPeerCertificates()).hasSize(2);
            assertThat(c.socket().getSession().getPeerCertificates()[0]).isEqualTo(leaf.cert());
        }
        assertThat(warnings).singleElement().asString().contains("is number 2 in the file, it should be first");
    }

    @Test
    void missingFilesAreNamed() throws Exception {
        Path[] files = pair(TestPki.ec());
        Path missing = dir.resolve("nope/cert.pem");
        assertThatThrownBy(() -> TlsContexts.serverContext(missing, files[1], TLS, true, warnings::add))
                .isInstanceOf(TlsException.class).hasMessage(missing + ": cannot read: no such file");
        Path missingKey = dir.resolve("nope.key");
        assertThatThrownBy(() -> TlsContexts.serverContext(files[0], missingKey, TLS, true, warnings::add))
                .hasMessage(missingKey + ": cannot read: no such file");
    }

    @Test
    void garbageEmptyAndWrongContentGetClearMessages() throws Exception {
        Path[] files = pair(TestPki.ec());
        Path garbage = TestPki.write(dir.resolve("garbage.pem"), "hello, this is not a certificate\n");
        assertThatThrownBy(() -> TlsContexts.serverContext(garbage, files[1], TLS, true, warnings::add))
                .hasMessageStartingWith(garbage + ": no certificate found").hasMessageContaining("not PEM");
        Path broken = TestPki.write(dir.resolve("broken.pem"),
                "-----BEGIN CERTIFICATE-----\nnot base64 at all!!\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> TlsContexts.serverContext(broken, files[1], TLS, true, warnings::add))
                .hasMessageStartingWith(broken + ": ");
        Path empty = TestPki.write(dir.resolve("empty.key"), "");
        assertThatThrownBy(() -> TlsContexts.serverContext(files[0], empty, TLS, true, warnings::add))
                .hasMessageStartingWith(empty + ": no private key found").hasMessageContaining("empty");
        // The certificate file given as the key: no key in it.
        assertThatThrownBy(() -> TlsContexts.serverContext(files[0], files[0], TLS, true, warnings::add))
                .hasMessageStartingWith(files[0] + ": no private key found");
        // The key given as the certificate: no certificate in it.
        assertThatThrownBy(() -> TlsContexts.serverContext(files[1], files[1], TLS, true, warnings::add))
                .hasMessageStartingWith(files[1] + ": no certificate found");
        Path badKey = TestPki.write(dir.resolve("bad.key"),
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assertThatThrownBy(() -> TlsContexts.serverContext(files[0], badKey, TLS, true, warnings::add))
                .hasMessageStartingWith(badKey + ": ");
    }

    @Test
    void encryptedKeysAreRefusedWithAHint() throws Exception {
        KeyPair keys = TestPki.rsa();
        TestPki.Issued leaf = TestPki.leaf(intermediate, keys);
        Path cert = TestPki.writeCerts(dir.resolve("cert.pem"), leaf.cert());
        Path key = TestPki.writeEncrypted(dir.resolve("enc.key"), keys.getPrivate());
        assertThatThrownBy(() -> TlsContexts.serverContext(cert, key, TLS, true, warnings::add))
                .hasMessageStartingWith(key + ": encrypted private keys are not supported; decrypt with openssl pkey");
    }

    @Test
    void expiredNotYetValidExpiringSoonAndDisorderedChainsWarn() throws Exception {
        KeyPair keys = TestPki.ec();
        Path key = TestPki.writePkcs8(dir.resolve("key.pem"), keys.getPrivate());
        Path cert = dir.resolve("cert.pem");

        TestPki.writeCerts(cert, TestPki.leaf(intermediate, keys, TestPki.now().minus(Duration.ofDays(90)),
                TestPki.now().minus(Duration.ofDays(2))).cert(), intermediate.cert());
        TlsContexts.serverContext(cert, key, TLS, true, warnings::add);
        assertThat(warnings).singleElement().asString().startsWith(cert + ": the certificate (CN=localhost) expired on ");

        warnings.clear();
        TestPki.writeCerts(cert, TestPki.leaf(intermediate, keys, TestPki.now().plus(Duration.ofDays(2)),
                TestPki.now().plus(Duration.ofDays(90))).cert(), intermediate.cert());
        TlsContexts.serverContext(cert, key, TLS, true, warnings::add);
        assertThat(warnings).singleElement().asString().contains("is not valid before");

        warnings.clear();
        TestPki.writeCerts(cert, TestPki.leaf(intermediate, keys, TestPki.now().minus(Duration.ofDays(80)),
                TestPki.now().plus(Duration.ofDays(3))).cert(), intermediate.cert());
        TlsContexts.serverContext(cert, key, TLS, true, warnings::add);
        assertThat(warnings).singleElement().asString().contains("expires on").contains("renew");

        warnings.clear();
        TestPki.writeCerts(cert, TestPki.leaf(intermediate, keys).cert(), ca.cert(), intermediate.cert());
        TlsContexts.serverContext(cert, key, TLS, true, warnings::add);
        assertThat(warnings).singleElement().asString().contains("out of order");

        warnings.clear();
        TestPki.writeCerts(cert, TestPki.leaf(intermediate, keys).cert(), intermediate.cert(),
                TestPki.ca("Unrelated").cert());
        TlsContexts.serverContext(cert, key, TLS, true, warnings::add);
        assertThat(warnings).singleElement().asString().contains("certificate 3 (CN=Unrelated)").contains("not sent");
    }
}
