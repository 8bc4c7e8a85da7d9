package io.carbon.tls;

import io.carbon.config.ConfigLoader;
import io.carbon.config.ServerConfig;
import io.carbon.testing.Trust;
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
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The WebTransport development certificate (W3C WebTransport custom certificate requirements: X.509v3, ECDSA
 * P-256, at most two weeks) and its renewal: Carbon's own certificate is replaced and served before it runs out,
 * anyone else's never.
 */
class SelfSignedRenewalTest {

    @TempDir
    Path dir;

    static EventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void theWebTransportCertificateMeetsTheCustomCertificateRequirements() throws Exception {
        Path cert = dir.resolve("ssl/cert/cert.pem");
        Path key = dir.resolve("ssl/key/key.key");

        SelfSignedCertificate.generate(cert, key, "carbon.test", true);

        X509Certificate leaf = read(cert);
        assertThat(leaf.getVersion()).as("X.509v3").isEqualTo(3);
        assertThat(leaf.getPublicKey()).isInstanceOf(ECPublicKey.class);
        // secp256r1: a 256-bit field, and the named curve's OID in the encoded key.
        assertThat(((ECPublicKey) leaf.getPublicKey()).getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
        assertThat(leaf.getPublicKey().getEncoded()).containsSequence(0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03,
                0x01, 0x07);
        assertThat(leaf.getSigAlgName()).isEqualTo("SHA256withECDSA");
        Duration validity = Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
        assertThat(validity).isEqualTo(Duration.ofDays(13)).isLessThanOrEqualTo(Duration.ofDays(14));
        assertThat(leaf.getNotBefore().toInstant()).isBefore(Instant.now());
        List<String> sans = new ArrayList<>();
        for (List<?> entry : leaf.getSubjectAlternativeNames()) {
            sans.add(entry.get(0) + ":" + entry.get(1));
        }
        assertThat(sans).containsExactly("2:carbon.test", "2:localhost", "7:127.0.0.1", "7:0:0:0:0:0:0:0:1");
        assertThat(SelfSignedCertificate.suitsWebTransport(leaf)).isTrue();
        assertThat(SelfSignedCertificate.isOwn(leaf)).isTrue();

        // Loading it says nothing about "expires within 14 days": it always does, and Carbon renews it.
        List<String> warnings = new ArrayList<>();
        ReloadableSslContext.load(cert, key, TlsContextsTest.TLS, true, warnings::add).close();
        assertThat(warnings).isEmpty();
    }

    @Test
    void theStandardCertificateIsOwnButNotForWebTransportAndOthersAreNotOwn() throws Exception {
        Path cert = dir.resolve("c.pem");
        SelfSignedCertificate.generate(cert, dir.resolve("k.pem"), "localhost");
        X509Certificate standard = read(cert);
        assertThat(SelfSignedCertificate.isOwn(standard)).isTrue();
        assertThat(SelfSignedCertificate.suitsWebTransport(standard)).as("397 days").isFalse();

        TestPki.Issued ca = TestPki.ca("Some CA");
        assertThat(SelfSignedCertificate.isOwn(ca.cert())).as("self-signed, another subject").isFalse();
        assertThat(SelfSignedCertificate.isOwn(TestPki.leaf(ca, TestPki.ec()).cert())).isFalse();
        TestPki.Issued shortRsa = TestPki.leaf(ca, TestPki.rsa(), TestPki.now(), TestPki.now().plus(Duration.ofDays(5)));
        assertThat(SelfSignedCertificate.suitsWebTransport(shortRsa.cert())).as("RSA is not allowed").isFalse();
        TestPki.Issued shortEc = TestPki.leaf(ca, TestPki.ec(), TestPki.now(), TestPki.now().plus(Duration.ofDays(14)));
        assertThat(SelfSignedCertificate.suitsWebTransport(shortEc.cert())).isTrue();
        TestPki.Issued longEc = TestPki.leaf(ca, TestPki.ec(), TestPki.now(),
                TestPki.now().plus(Duration.ofDays(14)).plusSeconds(1));
        assertThat(SelfSignedCertificate.suitsWebTransport(longEc.cert())).isFalse();
    }

    @Test
    void aCertificateNearExpiryIsRenewedAndServedAndTheHashFollows() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Instant now = Instant.now();
        // Made 12 days ago: one day left.
        SelfSignedCertificate.generate(cert, key, "127.0.0.1", Duration.ofDays(13), now.minus(Duration.ofDays(12)));
        X509Certificate old = read(cert);
        List<String> log = new ArrayList<>();
        try (ReloadableSslContext tls = ReloadableSslContext.load(cert, key, TlsContextsTest.TLS, true, log::add);
             TlsTestServer server = new TlsTestServer(group, tls)) {
            CertificateHashRoute route = new CertificateHashRoute(tls);
            assertThat(servedBy(server)).isEqualTo(old);
            assertThat(hashAnswered(route)).isEqualTo(sha256Base64(old));

            SelfSignedRenewal renewal = renewal(tls, cert, key, true, Clock.fixed(now, ZoneOffset.UTC), log);
            assertThat(renewal.check()).isEqualTo(SelfSignedRenewal.Outcome.RENEWED);

            X509Certificate renewed = read(cert);
            assertThat(renewed).isNotEqualTo(old);
            assertThat(SelfSignedCertificate.suitsWebTransport(renewed)).isTrue();
            assertThat(renewed.getNotAfter().toInstant()).isAfter(now.plus(Duration.ofDays(12)));
            assertThat(tls.currentLeaf()).isEqualTo(renewed);
            X509Certificate served = servedBy(server);
            assertThat(served).isEqualTo(renewed);
            assertThat(hashAnswered(route)).isEqualTo(sha256Base64(served));
            assertThat(log).anySatisfy(line -> assertThat(line)
                    .startsWith("INFO renewed the self-signed certificate " + cert)
                    .contains("SHA-256 " + java.util.HexFormat.of().formatHex(CertificateHashRoute.sha256(renewed))));

            // Fresh now: the next check leaves it alone.
            assertThat(renewal.check()).isEqualTo(SelfSignedRenewal.Outcome.FRESH);
            assertThat(read(cert)).isEqualTo(renewed);
        }
    }

    @Test
    void aFreshCertificateIsLeftAloneUntilThreeDaysRemain() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        SelfSignedCertificate.generate(cert, key, "127.0.0.1", true);
        X509Certificate leaf = read(cert);
        Instant notAfter = leaf.getNotAfter().toInstant();
        try (ReloadableSslContext tls = ReloadableSslContext.load(cert, key, TlsContextsTest.TLS, true, s -> { })) {
            Clock fourDaysLeft = Clock.fixed(notAfter.minus(Duration.ofDays(4)), ZoneOffset.UTC);
            assertThat(renewal(tls, cert, key, true, fourDaysLeft, new ArrayList<>()).check())
                    .isEqualTo(SelfSignedRenewal.Outcome.FRESH);
            assertThat(read(cert)).isEqualTo(leaf);
            Clock under3DaysLeft = Clock.fixed(notAfter.minus(Duration.ofDays(3)).plusSeconds(1), ZoneOffset.UTC);
            assertThat(renewal(tls, cert, key, true, under3DaysLeft, new ArrayList<>()).check())
                    .isEqualTo(SelfSignedRenewal.Outcome.RENEWED);
            assertThat(read(cert)).isNotEqualTo(leaf);
        }
    }

    @Test
    void turningTheKeyOnReplacesCarbonsStandardCertificate() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        SelfSignedCertificate.generate(cert, key, "127.0.0.1");
        try (ReloadableSslContext tls = ReloadableSslContext.load(cert, key, TlsContextsTest.TLS, true, s -> { })) {
            assertThat(renewal(tls, cert, key, false, Clock.systemUTC(), new ArrayList<>()).check())
                    .isEqualTo(SelfSignedRenewal.Outcome.FRESH);
            assertThat(renewal(tls, cert, key, true, Clock.systemUTC(), new ArrayList<>()).check())
                    .isEqualTo(SelfSignedRenewal.Outcome.RENEWED);
            assertThat(SelfSignedCertificate.suitsWebTransport(tls.currentLeaf())).isTrue();
        }
    }

    @Test
    void aUserProvidedCertificateIsNeverTouched() throws Exception {
        TestPki.Issued ca = TestPki.ca("Operator CA");
        // Expires in one day, and would not suit WebTransport: both reasons to renew, were it Carbon's.
        TestPki.Issued leaf = TestPki.leaf(ca, TestPki.rsa(), TestPki.now().minus(Duration.ofDays(89)),
                TestPki.now().plus(Duration.ofDays(1)));
        Path cert = TestPki.writeCerts(dir.resolve("fullchain.pem"), leaf.cert(), ca.cert());
        Path key = TestPki.writePkcs8(dir.resolve("privkey.pem"), leaf.key());
        byte[] certBytes = Files.readAllBytes(cert);
        byte[] keyBytes = Files.readAllBytes(key);
        // A self-signed certificate someone else made is not Carbon's either.
        TestPki.Issued selfSigned = TestPki.ca("localhost");
        Path otherCert = TestPki.writeCerts(dir.resolve("other.pem"), selfSigned.cert());
        Path otherKey = TestPki.writePkcs8(dir.resolve("other.key"), selfSigned.key());
        List<String> log = new ArrayList<>();
        try (ReloadableSslContext tls = ReloadableSslContext.load(cert, key, TlsContextsTest.TLS, true, s -> { });
             ReloadableSslContext other = ReloadableSslContext.load(otherCert, otherKey, TlsContextsTest.TLS, true,
                     s -> { })) {
            Clock late = Clock.fixed(Instant.now().plus(Duration.ofDays(2)), ZoneOffset.UTC);
            assertThat(renewal(tls, cert, key, true, late, log).check()).isEqualTo(SelfSignedRenewal.Outcome.NOT_OWN);
            assertThat(renewal(other, otherCert, otherKey, true, late, log).check())
                    .isEqualTo(SelfSignedRenewal.Outcome.NOT_OWN);
            assertThat(tls.currentLeaf()).isEqualTo(leaf.cert());
        }
        assertThat(Files.readAllBytes(cert)).isEqualTo(certBytes);
        assertThat(Files.readAllBytes(key)).isEqualTo(keyBytes);
        assertThat(log).isEmpty();
    }

    @Test
    void aNewerCertificateOnDiskIsLoadedWhenTheServedOneIsDue() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Instant now = Instant.now();
        SelfSignedCertificate.generate(cert, key, "127.0.0.1", Duration.ofDays(13), now.minus(Duration.ofDays(12)));
        try (ReloadableSslContext tls = ReloadableSslContext.load(cert, key, TlsContextsTest.TLS, true, s -> { })) {
            // e.g. --gen-cert while Carbon runs: the files are new, the context still has the old pair.
            SelfSignedCertificate.generate(cert, key, "127.0.0.1", true);
            assertThat(renewal(tls, cert, key, true, Clock.systemUTC(), new ArrayList<>()).check())
                    .isEqualTo(SelfSignedRenewal.Outcome.RELOADED);
            assertThat(tls.currentLeaf()).isEqualTo(read(cert));
        }
    }

    @Test
    void withoutTlsThereIsNothingToCheck() {
        SelfSignedRenewal renewal = new SelfSignedRenewal(() -> null, TlsLog.of(s -> { }));
        assertThat(renewal.check()).isEqualTo(SelfSignedRenewal.Outcome.NOTHING_TO_CHECK);
    }

    private static SelfSignedRenewal renewal(ReloadableSslContext tls, Path cert, Path key, boolean forWebTransport,
                                             Clock clock, List<String> log) throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("use_https", "true");
        settings.put("ssl_cert_path", cert.toString());
        settings.put("ssl_key_path", key.toString());
        settings.put("self_signed_for_webtransport", String.valueOf(forWebTransport));
        ServerConfig config = new ConfigLoader(Map.of(), warning -> { }).fromSettings(settings);
        assertThat(config.tls().selfSignedForWebTransport()).isEqualTo(forWebTransport);
        return new SelfSignedRenewal(() -> new SelfSignedRenewal.Target(config, tls),
                TlsLog.of(m -> log.add("INFO " + m), m -> log.add("WARN " + m), m -> log.add("ERROR " + m)), clock);
    }

    /** The certificate a TLS client is given by {@code server} now. */
    private static X509Certificate servedBy(TlsTestServer server) throws Exception {
        try (TlsTestServer.Client client = server.connect(Trust.any(), null, "http/1.1")) {
            return (X509Certificate) client.socket().getSession().getPeerCertificates()[0];
        }
    }

    /** The "value" of the JSON the route answers, taken apart by hand: the format is fixed. */
    private static String hashAnswered(CertificateHashRoute route) throws Exception {
        var response = route.handle(null).get();
        var body = ((io.carbon.http.Body.Bytes) response.body()).content();
        String json = body.toString(java.nio.charset.StandardCharsets.UTF_8);
        body.release();
        int start = json.indexOf("\"value\":\"") + 9;
        return json.substring(start, json.indexOf('"', start));
    }

    private static String sha256Base64(X509Certificate certificate) throws Exception {
        return Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-256")
                .digest(certificate.getEncoded()));
    }

    static X509Certificate read(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }
}
