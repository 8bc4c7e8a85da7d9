package io.carbon.config;

import io.carbon.config.LoggingConfig.AccessLogStyle;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code access_log_format}: its default, accepted values, errors, and where it sits in {@code --check}. */
class AccessLogFormatKeyTest {

    @TempDir
    Path tmp;
    Path www;

    @BeforeEach
    void setUp() throws IOException {
        www = Files.createDirectory(tmp.resolve("www"));
    }

    private ServerConfig loadConf(String lines) throws Exception {
        Path file = Files.writeString(tmp.resolve("server.conf"), "www_path = " + www + "\n" + lines);
        return new ConfigLoader(Map.of(), w -> { }).load(file);
    }

    @Test
    void defaultIsCombined() throws Exception {
        assertThat(loadConf("").logging().accessLogFormat()).isEqualTo(AccessLogStyle.COMBINED);
    }

    @ParameterizedTest
    @CsvSource({"combined, COMBINED", "json, JSON", "JSON, JSON", "Combined, COMBINED", "'\"json\"', JSON"})
    void acceptsBothFormatsInAnyCase(String value, AccessLogStyle expected) throws Exception {
        ServerConfig c = loadConf("access_log_format = " + value + "\n");
        assertThat(c.logging().accessLogFormat()).isEqualTo(expected);
        assertThat(c.logging()).isEqualTo(new LoggingConfig(Path.of("").toAbsolutePath().resolve("log/server.log"),
                Path.of("").toAbsolutePath().resolve("log/access.log"), expected, 65536, false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"xml", "clf", "common", "json,combined", "\"\""})
    void otherValuesNameFileLineKeyAndTheAcceptedValues(String value) {
        Path conf = tmp.resolve("server.conf");
        String shown = value.equals("\"\"") ? "\"\"" : "\"" + value + "\"";
        assertThatThrownBy(() -> loadConf("port = 8080\naccess_log_format = " + value + "\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(conf + ":3: access_log_format: ")
                .hasMessageContaining("expected one of combined, json, got " + shown);
    }

    @Test
    void environmentOverrideIsValidatedToo() throws Exception {
        ConfigLoader loader = new ConfigLoader(Map.of("CARBON_ACCESS_LOG_FORMAT", "json"), w -> { });
        assertThat(loader.fromSettings(Map.of("www_path", www.toString())).logging().accessLogFormat())
                .isEqualTo(AccessLogStyle.JSON);
        ConfigLoader bad = new ConfigLoader(Map.of("CARBON_ACCESS_LOG_FORMAT", "yaml"), w -> { });
        assertThatThrownBy(() -> bad.fromSettings(Map.of("www_path", www.toString())))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("CARBON_ACCESS_LOG_FORMAT")
                .hasMessageContaining("expected one of combined, json, got \"yaml\"");
    }

    @Test
    void checkListsItRightAfterAccessLogInLowerCase() throws Exception {
        assertThat(ConfigLoader.describe(loadConf("access_log_format = JSON\n")))
                .containsSequence("access_log = " + Path.of("").toAbsolutePath().resolve("log/access.log"),
                        "access_log_format = json", "access_log_queue = 65536");
        assertThat(ConfigLoader.describe(loadConf(""))).contains("access_log_format = combined");
    }

    @Test
    void theShortConstructorKeepsTheDefault() {
        assertThat(new LoggingConfig(null, null, 1024, false).accessLogFormat()).isEqualTo(AccessLogStyle.COMBINED);
    }
}
