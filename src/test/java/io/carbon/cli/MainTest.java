package io.carbon.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line: exit statuses and what a sysadmin reads. */
class MainTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Map<String, String> env, String... args) {
        return Main.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpAndVersion() {
        assertThat(run(Map.of(), "--help")).isZero();
        assertThat(out()).contains("--config FILE").contains("--check");
        out.reset();
        assertThat(run(Map.of(), "--version")).isZero();
        assertThat(out()).startsWith("Carbon ").contains("Netty 4.2");
    }

    @Test
    void cdsTrainingStartsAnswersAndStopsOnItsOwnPorts() {
        // Under java -XX:ArchiveClassesAtExit this is what writes the class-data archive: it must load what a
        // real start loads (TLS, HTTP/3, h2c) and leave nothing running, whatever server.conf says.
        assertThat(run(Map.of("PORT", "1"), "--cds-training")).as(err()).isZero();
        assertThat(out()).contains("answered HTTP/1.1, HTTPS and h2c, and stopped");
        out.reset();
        assertThat(run(Map.of(), "--help")).isZero();
        assertThat(out()).contains("--cds-training");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--bogus", "--config", "-x"})
    void badUsageExitsTwo(String arg) {
        assertThat(run(Map.of(), arg)).isEqualTo(2);
        assertThat(err()).contains("carbon: ").contains("Usage:");
    }

    @Test
    void checkPrintsEffectiveSettingsWithoutBinding() throws Exception {
        Path www = Files.createDirectories(dir.resolve("www"));
        Path conf = dir.resolve("server.conf");
        Files.writeString(conf, "port = 1\nwww_path = " + www + "\n");
        assertThat(run(Map.of("PORT", "9099"), "--config", conf.toString(), "--check")).isZero();
        // Port 9099 would need no privileges; port 1 would. Neither is bound by --check.
        assertThat(out()).contains("port = 9099").contains("www_path = " + www).contains("configuration OK");
    }

    @Test
    void badConfigNamesFileLineAndKeyAndExitsOne() throws Exception {
        Path www = Files.createDirectories(dir.resolve("www"));
        Path conf = dir.resolve("server.conf");
        Files.writeString(conf, "www_path = " + www + "\n# comment\nport = eighty\n");
        assertThat(run(Map.of(), "--config", conf.toString(), "--check")).isEqualTo(1);
        assertThat(err()).contains(conf + ":3").contains("port");
    }

    @Test
    void missingConfigFileExitsOne() {
        assertThat(run(Map.of(), "--config", dir.resolve("nope.conf").toString())).isEqualTo(1);
        assertThat(err()).contains("nope.conf");
    }

    @Test
    void runningFalseValidatesAndExitsWithoutServing() throws Exception {
        Path www = Files.createDirectories(dir.resolve("www"));
        Path conf = dir.resolve("server.conf");
        Files.writeString(conf, "www_path = " + www + "\nrunning = false\n");
        assertThat(run(Map.of(), "--config", conf.toString())).isZero();
        assertThat(err()).contains("running = false");
    }

    @Test
    void portInUseIsAClearStartupError() throws Exception {
        try (var taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Path www = Files.createDirectories(dir.resolve("www"));
            Path conf = dir.resolve("server.conf");
            Files.writeString(conf, "www_path = " + www + "\nport = " + taken.getLocalPort()
                    + "\nlog_file = " + dir.resolve("server.log") + "\naccess_log = off\n");
            assertThat(run(Map.of(), "--config", conf.toString())).isEqualTo(1);
            assertThat(Files.readString(dir.resolve("server.log")))
                    .contains("cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void theStartupLogNeverShowsAValueOfAKeyNamedLikeASecret() {
        assertThat(Main.redacted("cache_control = no-cache")).isEqualTo("cache_control = no-cache");
        assertThat(Main.redacted("ssl_key_path = ssl/key.pem")).isEqualTo("ssl_key_path = ssl/key.pem");
        assertThat(Main.redacted("acme_token = abc")).isEqualTo("acme_token = (redacted)");
        assertThat(Main.redacted("ssl_key_passphrase = hunter2")).isEqualTo("ssl_key_passphrase = (redacted)");
    }

    @Test
    void versionsNameCarbonNettyTheTlsLibraryAndJava() {
        assertThat(Main.versions(false)).startsWith("versions: Carbon ").contains("Netty 4.2")
                .contains("TLS library not loaded").contains("Java " + Runtime.version());
        assertThat(Main.versions(true)).containsPattern("TLS library BoringSSL");
    }
}
