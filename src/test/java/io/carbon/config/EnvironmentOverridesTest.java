package io.carbon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Docker names and CARBON_&lt;KEY&gt; variables win over the file; CARBON_ wins over the Docker name. */
class EnvironmentOverridesTest {

    @TempDir
    Path tmp;
    Path www;
    Path conf;
    final List<String> warnings = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        www = Files.createDirectory(tmp.resolve("www"));
        conf = Files.writeString(tmp.resolve("server.conf"),
                "www_path = " + www + "\nport = 8000\nmax_threads = 2\nverbose = false\n");
    }

    private ServerConfig load(Map<String, String> env) throws ConfigException {
        return new ConfigLoader(env, warnings::add).load(conf);
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
        "PORT, 9000, port, 9000",
        "USE_HTTPS, yes, use_https, true",
        "SERVER_NAME, 0.0.0.0, server_name, 0.0.0.0",
        "ENABLE_HTTP2, true, enable_http2, true",
        "ENABLE_WEBSOCKET, on, enable_websocket, true",
        "MAX_THREADS, 16, max_threads, 16",
        "MAX_CONNECTIONS, 77, max_connections, 77",
        "VERBOSE, 1, verbose, true",
        "CARBON_PORT, 9001, port, 9001",
        "CARBON_KEEP_ALIVE_TIMEOUT, 5s, keep_alive_timeout, 5s",
        "CARBON_MAX_BODY_SIZE, 2m, max_body_size, 2MiB",
        "CARBON_INDEX_FILES, 'a.html b.html', index_files, 'a.html,b.html'",
        "CARBON_ACCESS_LOG, off, access_log, off",
    })
    void variableSetsKey(String variable, String value, String key, String described) throws Exception {
        ServerConfig c = load(Map.of(variable, value));
        assertThat(ConfigLoader.describe(c)).contains(key + " = " + described);
        assertThat(warnings).isEmpty();
    }

    @Test
    void environmentWinsOverFileAndCarbonWinsOverDockerName() throws Exception {
        ServerConfig c = load(Map.of("PORT", "9000", "CARBON_PORT", "9100", "MAX_THREADS", "3"));
        assertThat(c.network().port()).isEqualTo(9100);
        assertThat(c.network().maxThreads()).isEqualTo(3);
        assertThat(c.logging().verbose()).isFalse(); // untouched keys keep the file's value
    }

    @Test
    void carbonWwwPathOverridesFile() throws Exception {
        Path other = Files.createDirectory(tmp.resolve("other"));
        assertThat(load(Map.of("CARBON_WWW_PATH", other.toString())).files().wwwPath()).isEqualTo(other);
    }

    @Test
    void valuesAreTrimmed() throws Exception {
        assertThat(load(Map.of("PORT", " 9002 ")).network().port()).isEqualTo(9002);
    }

    @Test
    void unrelatedVariablesAreIgnored() throws Exception {
        ServerConfig c = load(Map.of("HOME", "/root", "PATH", "/bin", "HTTPS_PORT", "1", "CARBON_", "x"));
        assertThat(c.network().httpsPort()).isEqualTo(8443); // only CARBON_HTTPS_PORT sets it
        assertThat(warnings).isEmpty();
    }

    @Test
    void unknownCarbonVariableWarnsWithClosestKey() throws Exception {
        load(Map.of("CARBON_MAX_THREAD", "8", "CARBON_WWWPATH", "x"));
        assertThat(warnings).containsExactly(
                "environment CARBON_MAX_THREAD: unknown key \"max_thread\" (did you mean \"max_threads\"?)",
                "environment CARBON_WWWPATH: unknown key \"wwwpath\" (did you mean \"www_path\"?)");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
        "PORT, x, port, 'environment PORT: expected a number from 0 to 65535, got \"x\"'",
        "CARBON_PORT, 70000, port, 'environment CARBON_PORT: expected a number from 0 to 65535, got \"70000\"'",
        "USE_HTTPS, maybe, use_https, 'environment USE_HTTPS: expected a boolean (true/false, yes/no, on/off, 1/0), got \"maybe\"'",
        "CARBON_HEADER_TIMEOUT, soon, header_timeout, 'environment CARBON_HEADER_TIMEOUT: expected a duration from 1ms to 24h'",
    })
    void badEnvironmentValueNamesTheVariable(String variable, String value, String key, String message) {
        assertThatThrownBy(() -> load(Map.of(variable, value)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(message)
                .satisfies(e -> {
                    ConfigException ce = (ConfigException) e;
                    assertThat(ce.file()).isNull();
                    assertThat(ce.line()).isZero();
                    assertThat(ce.key()).isEqualTo(key);
                });
    }

    @Test
    void missingWwwPathFromEnvironmentNamesTheVariable() {
        Path missing = tmp.resolve("gone");
        assertThatThrownBy(() -> load(Map.of("CARBON_WWW_PATH", missing.toString())))
                .isInstanceOf(ConfigException.class)
                .hasMessage("environment CARBON_WWW_PATH: " + missing + " does not exist, expected an existing directory");
    }

    @Test
    void environmentFixesABadFileValue() throws Exception {
        // The effective value is what is checked: a bad file value that the environment replaces is not used.
        Files.writeString(conf, "www_path = " + www + "\nport = bad\n");
        assertThat(load(Map.of("PORT", "81")).network().port()).isEqualTo(81);
    }

    @Test
    void environmentAppliesToFromSettings() throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("CARBON_SHUTDOWN_TIMEOUT", "3s"));
        ServerConfig c = new ConfigLoader(env, warnings::add).fromSettings(Map.of("www_path", www.toString(),
                "shutdown_timeout", "30"));
        assertThat(c.network().shutdownTimeout()).isEqualTo(Duration.ofSeconds(3));
    }
}
