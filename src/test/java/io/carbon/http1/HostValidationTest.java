package io.carbon.http1;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The hand-written Host check agrees with the RFC 3986 grammar, written here as a regular expression. */
class HostValidationTest {

    private static final Pattern GRAMMAR = Pattern.compile(
            "(?:[A-Za-z0-9\\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*|\\[[0-9A-Fa-f:.]+\\](?::[0-9]*)?"
                    + "|(?:[A-Za-z0-9\\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*:[0-9]*");

    @ParameterizedTest
    @ValueSource(strings = {"", "example.com", "example.com:8080", "example.com:", "127.0.0.1", "127.0.0.1:80",
            "[::1]", "[::1]:8443", "[::1]:", "[fe80::1%25eth0]", "[]", "[::1", "::1", "a:b:c", "exa mple.com",
            "host/path", "user@host", "h%41st", "h%4", "h%zz", "h%", "é.com", "a\tb", "[::1]x", "[::1]:8x",
            "host:-1", "*", "host;x=1", "[1.2.3.4]", "[g::1]", "[é]", "~", "%41%42"})
    void agreesWithTheGrammar(String host) {
        assertThat(RequestHeadParser.validHost(host)).as(host).isEqualTo(GRAMMAR.matcher(host).matches());
    }
}
