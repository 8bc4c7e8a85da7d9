package io.carbon.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** CIDR blocks as rate_limit_allowlist takes them. */
class CidrTest {

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource({
        "10.0.0.0/8,       10.255.1.2,        true",
        "10.0.0.0/8,       11.0.0.1,          false",
        "10.1.2.3,         10.1.2.3,          true",
        "10.1.2.3,         10.1.2.4,          false",
        "192.168.0.0/20,   192.168.15.255,    true",
        "192.168.0.0/20,   192.168.16.0,      false",
        "0.0.0.0/0,        203.0.113.9,       true",
        "127.0.0.0/8,      ::ffff:127.0.0.1,  true",
        "::1,              ::1,               true",
        "::1,              127.0.0.1,         false",
        "2001:db8::/32,    2001:db8:ffff::1,  true",
        "2001:db8::/32,    2001:db9::1,       false",
        "10.9.9.9/8,       10.0.0.1,          true",
    })
    void contains(String block, String address, boolean inside) throws Exception {
        assertThat(Cidr.parse(block).contains(InetAddress.getByName(address))).isEqualTo(inside);
    }

    @ParameterizedTest(name = "{0} is written {1}")
    @CsvSource({"10.0.0.0/8, 10.0.0.0/8", "::1, ::1", "2001:0db8:0:0::/32, 2001:db8::/32", "::, ::",
        "2001:db8:0:1:0:0:0:1, 2001:db8:0:1::1", "1:0:0:2:0:0:0:3, 1:0:0:2::3", "fe80::1:0:0:1/64, fe80::/64", "fe80:0:0:1:0:0:0:1, fe80:0:0:1::1",
        "1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8", "0:0:0:0:0:0:0:5, ::5", "2001:db8::, 2001:db8::"})
    void printsAsWritten(String text, String printed) {
        assertThat(Cidr.parse(text).toString()).isEqualTo(printed);
    }

    @ParameterizedTest
    @CsvSource({"10.0.0.0/33", "::/129", "example.com", "10.0.0.0/", "10.0.0.0/-1", "/8", "1.2.3.4/8x"})
    void rejects(String text) {
        assertThatThrownBy(() -> Cidr.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBadAllowlistIsAConfigErrorNamingTheKey() {
        assertThatThrownBy(() -> new ConfigLoader(Map.of(), w -> { })
                .fromSettings(Map.of("rate_limit_allowlist", "10.0.0.0/8, 300.1.1.1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("rate_limit_allowlist")
                .hasMessageContaining("300.1.1.1");
    }

    @Test
    void theDefaultAllowlistIsLoopbackAndPrintsBack() throws Exception {
        ServerConfig config = new ConfigLoader(Map.of(), w -> { }).fromSettings(Map.of());
        assertThat(config.rateLimit().allowlist()).containsExactly(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1"));
        assertThat(ConfigKeys.RATE_LIMIT_ALLOWLIST.type().format(config.rateLimit().allowlist()))
                .isEqualTo("127.0.0.0/8,::1");
    }
}
