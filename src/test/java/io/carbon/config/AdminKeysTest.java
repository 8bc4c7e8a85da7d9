package io.carbon.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** admin_port and admin_address: defaults, the IP-literal rule, and the cross-check with the other ports. */
class AdminKeysTest {

    @TempDir
    Path tmp;

    private ServerConfig load(String... keyValues) throws Exception {
        Path www = Files.createDirectories(tmp.resolve("www"));
        Map<String, String> settings = new HashMap<>();
        settings.put("www_path", www.toString());
        for (int i = 0; i < keyValues.length; i += 2) {
            settings.put(keyValues[i], keyValues[i + 1]);
        }
        return new ConfigLoader(Map.of(), w -> { }).fromSettings(settings);
    }

    @Test
    void defaultsAreLoopbackOn9180() throws Exception {
        NetworkConfig network = load().network();
        assertThat(network.adminAddress()).isEqualTo("127.0.0.1");
        assertThat(network.adminPort()).isEqualTo(9180);
        assertThat(network.adminEnabled()).isTrue();
        assertThat(load("admin_port", "0").network().adminEnabled()).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"0.0.0.0,0.0.0.0", "::,::", "::1,::1", "[::1],::1", "10.1.2.3,10.1.2.3"})
    void ipLiteralsAreAccepted(String raw, String parsed) throws Exception {
        assertThat(load("admin_address", raw).network().adminAddress()).isEqualTo(parsed);
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "example.com", "256.1.1.1", "1.2.3", "", "::g"})
    void namesAndMalformedAddressesAreRefused(String raw) {
        assertThatThrownBy(() -> load("admin_address", raw)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("admin_address").hasMessageContaining("expected an IPv4 or IPv6 address");
    }

    @Test
    void theAdminPortMustDifferFromThePublicPorts() {
        assertThatThrownBy(() -> load("port", "8081", "admin_port", "8081")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("admin_port").hasMessageContaining("same as port");
        assertThatThrownBy(() -> load("use_https", "true", "https_port", "8443", "admin_port", "8443"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("same as https_port");
        assertThatThrownBy(() -> load("admin_port", "65536")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("admin_port");
    }
}
