package io.carbon.cli;

import io.carbon.tls.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * {@code --check} validates the certificate and key as start would load them, and every failure names the
 * setting and where it was made (file:line, environment variable, or default).
 */
class CheckCertificateTest {

    /** Lines of the config file written by {@link #conf}: the certificate on line 3, the key on line 4. */
    private static final int CERT_LINE = 3;
    private static final int KEY_LINE = 4;

    static TestPki.Issued ca;

    @TempDir
    Path dir;
    Path www;
    Path cert;
    Path key;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    static void makeCa() throws Exception {
        ca = TestPki.ca("Check Root");
    }

    @BeforeEach
    void paths() throws IOException {
        www = Files.createDirectories(dir.resolve("www"));
        cert = dir.resolve("ssl/cert.pem");
        key = dir.resolve("ssl/key.pem");
    }

    /** What a case does to the two files before {@code --check} runs. */
    @FunctionalInterface
    interface Files2 {
        void write(Path cert, Path key) throws Exception;
    }

    private static Instant now() {
        return Instant.now();
    }

    private static Files2 leafValid(Instant notBefore, Instant notAfter) {
        return (cert, key) -> {
            TestPki.Issued leaf = TestPki.leaf(ca, TestPki.ec(), notBefore, notAfter);
            TestPki.writeCerts(cert, leaf.cert(), ca.cert());
            TestPki.writePkcs8(key, leaf.key());
        };
    }

    /**
     * @param name     the case
     * @param files    writes (or not) the certificate and key
     * @param exit     expected exit status
     * @param line     the config line the message must name (3 certificate, 4 key, 0 none)
     * @param expected text the message must contain after {@code key = path: }
     */
    static Stream<Arguments> cases() {
        Duration day = Duration.ofDays(1);
        return Stream.of(
                Arguments.of("valid pair", leafValid(now().minus(day), now().plus(Duration.ofDays(90))),
                        0, 0, "TLS: certificate CN=localhost valid until"),
                Arguments.of("expired", leafValid(now().minus(Duration.ofDays(100)), now().minus(day)),
                        1, CERT_LINE, "the certificate (CN=localhost) expired on"),
                Arguments.of("not yet valid", leafValid(now().plus(day), now().plus(Duration.ofDays(90))),
                        0, CERT_LINE, "is not valid before"),
                Arguments.of("expires within 14 days", leafValid(now().minus(day), now().plus(Duration.ofDays(5))),
                        0, CERT_LINE, "expires on"),
                Arguments.of("key of another certificate", (Files2) (cert, key) -> {
                    TestPki.writeCerts(cert, TestPki.leaf(ca, TestPki.ec()).cert());
                    TestPki.writePkcs8(key, TestPki.leaf(ca, TestPki.ec()).key());
                }, 1, KEY_LINE, "the private key does not match the certificate in"),
                Arguments.of("garbage PEM certificate", (Files2) (cert, key) -> {
                    TestPki.write(cert, "-----BEGIN CERTIFICATE-----\nnot base64 at all!!\n-----END CERTIFICATE-----\n");
                    TestPki.writePkcs8(key, TestPki.ec().getPrivate());
                }, 1, CERT_LINE, "not a valid PEM file"),
                Arguments.of("garbage key", (Files2) (cert, key) -> {
                    TestPki.writeCerts(cert, TestPki.leaf(ca, TestPki.ec()).cert());
                    TestPki.write(key, "hello\n");
                }, 1, KEY_LINE, "no private key found"),
                Arguments.of("certificate path is a directory", (Files2) (cert, key) -> {
                    Files.createDirectories(cert);
                    TestPki.writePkcs8(key, TestPki.ec().getPrivate());
                }, 1, CERT_LINE, "cannot read"),
                Arguments.of("missing key only", (Files2) (cert, key) ->
                        TestPki.writeCerts(cert, TestPki.leaf(ca, TestPki.ec()).cert()),
                        1, KEY_LINE, "cannot read: no such file"),
                Arguments.of("missing certificate only", (Files2) (cert, key) ->
                        TestPki.writePkcs8(key, TestPki.ec().getPrivate()),
                        1, CERT_LINE, "cannot read: no such file"),
                Arguments.of("chain out of order", (Files2) (cert, key) -> {
                    TestPki.Issued leaf = TestPki.leaf(ca, TestPki.ec());
                    TestPki.writeCerts(cert, ca.cert(), leaf.cert());
                    TestPki.writePkcs8(key, leaf.key());
                }, 0, CERT_LINE, "should be first"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void checkValidatesThePairAsStartWould(String name, Files2 files, int exit, int line, String expected)
            throws Exception {
        files.write(cert, key);
        Path conf = conf();
        assertThat(check(Map.of(), conf)).as(err()).isEqualTo(exit);
        if (line == 0) {
            assertThat(out()).contains(expected).contains("configuration OK");
            assertThat(err()).isEmpty();
            return;
        }
        String setting = line == CERT_LINE ? "ssl_cert_path = " + cert : "ssl_key_path = " + key;
        // A failure is an error line; a problem start only warns about is a warning, and the check passes.
        String prefix = exit == 0 ? "carbon: warning: " : "carbon: ";
        assertThat(err()).contains(prefix + conf + ":" + line + ": " + setting + ": ").contains(expected);
        if (exit == 0) {
            assertThat(out()).contains("configuration OK");
        } else {
            assertThat(out()).doesNotContain("configuration OK");
        }
    }

    @Test
    void unreadableFileNamesTheSetting() throws Exception {
        assumeThat((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).as("root reads any file").isNotZero();
        leafValid(now().minus(Duration.ofDays(1)), now().plus(Duration.ofDays(90))).write(cert, key);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("---------"));
        Path conf = conf();
        assertThat(check(Map.of(), conf)).isEqualTo(1);
        assertThat(err()).contains(conf + ":" + KEY_LINE + ": ssl_key_path = " + key + ": cannot read: permission denied");
    }

    @Test
    void bothMissingSaysASelfSignedCertificateWouldBeMadeAndPasses() throws Exception {
        Path conf = conf();
        assertThat(check(Map.of(), conf)).as(err()).isZero();
        assertThat(out()).contains("SELF-SIGNED").contains("ssl_cert_path = " + cert).contains("configuration OK");
        // --check writes nothing.
        assertThat(cert).doesNotExist();
        assertThat(key).doesNotExist();
    }

    @Test
    void httpsOffChecksNoCertificate() throws Exception {
        Path conf = Files.writeString(dir.resolve("server.conf"), "www_path = " + www + "\nuse_https = false\n"
                + "ssl_cert_path = " + cert + "\n");
        assertThat(check(Map.of(), conf)).isZero();
        assertThat(out()).contains("use_https = false, no certificate to check").contains("configuration OK");
    }

    @Test
    void aSettingFromTheEnvironmentIsNamedByItsVariable() throws Exception {
        leafValid(now().minus(Duration.ofDays(100)), now().minus(Duration.ofDays(1))).write(cert, key);
        Path conf = Files.writeString(dir.resolve("server.conf"), "www_path = " + www + "\nuse_https = true\n"
                + "ssl_key_path = " + key + "\n");
        assertThat(check(Map.of("CARBON_SSL_CERT_PATH", cert.toString()), conf)).isEqualTo(1);
        assertThat(err()).contains("carbon: environment CARBON_SSL_CERT_PATH: ssl_cert_path = " + cert
                + ": the certificate (CN=localhost) expired on");
    }

    @Test
    void aDefaultIsSaidToBeOne() throws Exception {
        leafValid(now().minus(Duration.ofDays(1)), now().plus(Duration.ofDays(90))).write(cert, key);
        Path conf = Files.writeString(dir.resolve("server.conf"), "www_path = " + www + "\nuse_https = true\n"
                + "ssl_cert_path = " + cert + "\n");
        // The default key (ssl/key/key.key under the working directory) is missing or, if some other test made
        // one there, belongs to another certificate: either way the message is about the default key.
        assertThat(check(Map.of(), conf)).isEqualTo(1);
        assertThat(err()).contains("carbon: default ssl_key_path = "
                + Path.of("").toAbsolutePath().resolve("ssl/key/key.key") + ": ");
    }

    @Test
    void startFailsWithTheSameWording() throws Exception {
        TestPki.writeCerts(cert, TestPki.leaf(ca, TestPki.ec()).cert());
        TestPki.writePkcs8(key, TestPki.leaf(ca, TestPki.ec()).key());
        Path log = dir.resolve("server.log");
        Path conf = Files.writeString(dir.resolve("server.conf"), "www_path = " + www + "\nuse_https = true\n"
                + "ssl_cert_path = " + cert + "\nssl_key_path = " + key + "\nport = 0\nhttps_port = 0\n"
                + "log_file = " + log + "\naccess_log = off\n");
        assertThat(Main.run(new String[]{"--config", conf.toString()}, Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)))
                .isEqualTo(1);
        assertThat(Files.readString(log)).contains(conf + ":" + KEY_LINE + ": ssl_key_path = " + key
                + ": the private key does not match the certificate in " + cert);
    }

    /** {@code www_path}, {@code use_https}, then the certificate on line 3 and the key on line 4. */
    private Path conf() throws IOException {
        return Files.writeString(dir.resolve("server.conf"), "www_path = " + www + "\nuse_https = true\n"
                + "ssl_cert_path = " + cert + "\nssl_key_path = " + key + "\n");
    }

    private int check(Map<String, String> env, Path conf) {
        return Main.run(new String[]{"--config", conf.toString(), "--check"}, env,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
