package io.carbon.tls;

import io.carbon.config.TlsConfig;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.OpenSsl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * OCSP stapling against a real responder ({@code openssl ocsp}) and a real client ({@code openssl s_client
 * -status}): a good status is stapled, a revoked one is logged as an error and not stapled, a certificate
 * without a responder gets nothing and nothing is fetched, a responder that is down is retried.
 */
class OcspStaplingTest {

    static final TlsConfig STAPLING = TlsContextsTest.TLS;
    static final TlsConfig NO_STAPLING = new TlsConfig(false, 0, false, false, 1024, Duration.ofMinutes(5),
            Duration.ofSeconds(10), false);

    static EventLoopGroup group;
    static TestPki.Issued ca;

    @TempDir
    Path dir;
    Path cert;
    Path key;
    int responderPort;
    Process responder;
    final List<String> log = new CopyOnWriteArrayList<>();
    final TlsLog tlsLog = new TlsLog() {
        @Override
        public void info(String message) {
            log.add("INFO " + message);
        }

        @Override
        public void warn(String message) {
            log.add("WARN " + message);
        }

        @Override
        public void error(String message) {
            log.add("ERROR " + message);
        }
    };

    @BeforeAll
    static void start() throws Exception {
        assumeThat(OpenSsl.isOcspSupported()).as("BoringSSL with OCSP").isTrue();
        assumeThat(new File("/usr/bin/openssl")).as("the openssl command").exists();
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ca = TestPki.ca("OCSP Root");
    }

    @AfterAll
    static void stop() {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @BeforeEach
    void files() throws Exception {
        cert = dir.resolve("cert.pem");
        key = dir.resolve("key.pem");
        try (ServerSocket probe = new ServerSocket(0)) {
            responderPort = probe.getLocalPort();
        }
        TestPki.writeCerts(dir.resolve("ca.pem"), ca.cert());
        TestPki.writePkcs8(dir.resolve("ca.key"), ca.key());
    }

    @AfterEach
    void stopResponder() throws Exception {
        if (responder != null) {
            responder.destroy();
            responder.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private String responderUrl() {
        return "http://127.0.0.1:" + responderPort + "/";
    }

    private TestPki.Issued installWithOcsp() throws Exception {
        TestPki.Issued leaf = TestPki.leafWithOcsp(ca, TestPki.ec(), responderUrl());
        TestPki.writeCerts(cert, leaf.cert(), ca.cert());
        TestPki.writePkcs8(key, leaf.key());
        return leaf;
    }

    /** {@code openssl ocsp} answering for {@code ca}, with the leaf valid or revoked in its index. */
    private void startResponder(TestPki.Issued leaf, boolean revoked) throws Exception {
        DateTimeFormatter format = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
        String serial = leaf.cert().getSerialNumber().toString(16).toUpperCase(Locale.ROOT);
        if (serial.length() % 2 == 1) {
            serial = "0" + serial; // openssl looks serials up as BN_bn2hex writes them: whole bytes
        }
        String expiry = format.format(leaf.cert().getNotAfter().toInstant());
        String line = (revoked ? "R\t" + expiry + "\t" + format.format(Instant.now().minusSeconds(3600)) : "V\t" + expiry + "\t")
                + "\t" + serial + "\tunknown\t/CN=localhost\n";
        Files.writeString(dir.resolve("index.txt"), line);
        responder = new ProcessBuilder("openssl", "ocsp", "-port", String.valueOf(responderPort),
                "-index", dir.resolve("index.txt").toString(), "-CA", dir.resolve("ca.pem").toString(),
                "-rsigner", dir.resolve("ca.pem").toString(), "-rkey", dir.resolve("ca.key").toString(),
                "-ndays", "1")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("responder.log").toFile())
                .start();
        // Not a connect probe: openssl ocsp serves one connection at a time and would wait on the probe's.
        Path output = dir.resolve("responder.log");
        await(() -> {
            try {
                return Files.readString(output).contains("waiting for OCSP client connections");
            } catch (IOException e) {
                return false;
            }
        }, "the OCSP responder to listen");
    }

    private ReloadableSslContext load(TlsConfig tls, Duration backoff) throws TlsException {
        return ReloadableSslContext.load(CertificateFiles.of(cert, key), tls, true, tlsLog, null, backoff);
    }

    /** What {@code openssl s_client -status} says about the stapled response. */
    private static String sClient(int port) throws Exception {
        Process client = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-status",
                "-servername", "localhost")
                .redirectErrorStream(true)
                .redirectInput(new File("/dev/null"))
                .start();
        byte[] output = client.getInputStream().readAllBytes();
        assertThat(client.waitFor(15, TimeUnit.SECONDS)).isTrue();
        return new String(output, StandardCharsets.UTF_8);
    }

    private void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; log: " + log);
            }
            Thread.sleep(50);
        }
    }

    @Test
    void aGoodStatusIsStapledOnEveryHandshake() throws Exception {
        startResponder(installWithOcsp(), false);
        try (ReloadableSslContext tls = load(STAPLING, Duration.ofMinutes(1))) {
            assertThat(tls.stapling()).isTrue();
            await(() -> tls.currentStaple() != null, "a staple");
            assertThat(log).anySatisfy(line -> assertThat(line).startsWith("INFO OCSP stapling: CN=localhost is good"));
            try (TlsTestServer server = new TlsTestServer(group, tls)) {
                for (int i = 0; i < 2; i++) {
                    assertThat(sClient(server.port()))
                            .contains("OCSP Response Status: successful")
                            .contains("Cert Status: good");
                }
            }
        }
    }

    @Test
    void aRevokedStatusIsAnErrorAndNotStapled() throws Exception {
        startResponder(installWithOcsp(), true);
        try (ReloadableSslContext tls = load(STAPLING, Duration.ofMinutes(1))) {
            await(() -> log.stream().anyMatch(line -> line.startsWith("ERROR")), "the revocation error");
            assertThat(log).anySatisfy(line -> assertThat(line).contains("REVOKED").contains(responderUrl()));
            assertThat(tls.currentStaple()).isNull();
            try (TlsTestServer server = new TlsTestServer(group, tls)) {
                assertThat(sClient(server.port())).contains("OCSP response: no response sent");
            }
        }
    }

    @Test
    void aCertificateWithoutResponderIsNeverFetchedNorStapled() throws Exception {
        TestPki.Issued leaf = TestPki.leaf(ca, TestPki.ec());
        TestPki.writeCerts(cert, leaf.cert(), ca.cert());
        TestPki.writePkcs8(key, leaf.key());
        try (ReloadableSslContext tls = load(STAPLING, Duration.ofMinutes(1))) {
            assertThat(tls.stapling()).isFalse();
            try (TlsTestServer server = new TlsTestServer(group, tls)) {
                assertThat(sClient(server.port())).contains("OCSP response: no response sent");
            }
        }
        // No stapler means no fetch: nothing was logged, not even a failure to reach a responder.
        assertThat(log).isEmpty();
    }

    @Test
    void staplingOffFetchesNothing() throws Exception {
        installWithOcsp();
        try (ReloadableSslContext tls = load(NO_STAPLING, Duration.ofMinutes(1))) {
            assertThat(tls.stapling()).isFalse();
        }
        assertThat(log).isEmpty();
    }

    @Test
    void aResponderThatIsDownIsRetried() throws Exception {
        TestPki.Issued leaf = installWithOcsp();
        try (ReloadableSslContext tls = load(STAPLING, Duration.ofMillis(300))) {
            await(() -> log.stream().anyMatch(line -> line.startsWith("WARN") && line.contains("retrying")),
                    "a failed fetch");
            assertThat(tls.currentStaple()).isNull();
            startResponder(leaf, false);
            await(() -> tls.currentStaple() != null, "a staple after the responder came up");
        }
    }

    @Test
    void aResponseIsDroppedAfterItsNextUpdate() throws Exception {
        TestPki.Issued leaf = installWithOcsp();
        startResponder(leaf, false);
        MovableClock clock = new MovableClock();
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
        try {
            OcspStapler stapler = new OcspStapler(java.net.URI.create(responderUrl()), leaf.cert(), ca.cert(), thread,
                    java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build(), tlsLog, clock, Duration.ofMinutes(1));
            stapler.start();
            await(() -> stapler.response() != null, "a staple");
            // -ndays 1: the response is good for a day; two days later, with no refresh, it must not be sent.
            clock.now = clock.now.plus(Duration.ofDays(2));
            assertThat(stapler.response()).isNull();
            assertThat(log).anySatisfy(line -> assertThat(line).startsWith("WARN").contains("expired"));
            stapler.close();
        } finally {
            thread.shutdownNow();
        }
    }

    @Test
    void refreshIsHalfwayThroughTheValidity() {
        Instant thisUpdate = Instant.parse("2026-01-01T00:00:00Z");
        Instant nextUpdate = thisUpdate.plus(Duration.ofDays(4));
        assertThat(OcspStapler.refreshDelay(thisUpdate, nextUpdate, thisUpdate.plusSeconds(3600)))
                .isEqualTo(Duration.ofDays(2).minusHours(1));
        assertThat(OcspStapler.refreshDelay(thisUpdate, nextUpdate, thisUpdate.plus(Duration.ofDays(3))))
                .isEqualTo(OcspStapler.MIN_REFRESH);
        assertThat(OcspStapler.refreshDelay(thisUpdate, null, thisUpdate))
                .isEqualTo(OcspStapler.REFRESH_WITHOUT_NEXT_UPDATE);
    }

    /** A clock the test moves. */
    static final class MovableClock extends Clock {
        volatile Instant now = Instant.now();

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
