package io.carbon.logging;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class LogLineTest {

    private static String text(LogLine line) {
        return new String(line.toBytes(), StandardCharsets.US_ASCII);
    }

    @ParameterizedTest
    @CsvSource({"0, 0", "7, 7", "10, 10", "404, 404", "1234567890123, 1234567890123", "-12, -12",
            "9223372036854775807, 9223372036854775807", "2147483647, 2147483647", "2147483648, 2147483648",
            "999999999, 999999999", "1000000000, 1000000000"})
    void decimals(long value, String expected) {
        assertThat(text(new LogLine().appendDecimal(value))).isEqualTo(expected);
    }

    @Test
    void growsPastItsFirstBufferAndStartsSmallAgainAfterAHugeLine() {
        LogLine line = new LogLine();
        String big = "a".repeat(100_000);
        line.appendEscaped(big, 50_000, "...").appendEscaped("\u00e9\"", 10, "");
        String out = text(line);
        assertThat(out).hasSize(50_000 + 3 + 8).startsWith("aaaa").endsWith("a...\\xE9\\x22");
        assertThat(text(line.reset().appendAscii("GET").append(' ').appendDecimal(200))).isEqualTo("GET 200");
    }

    @Test
    void addressesAreWrittenAsTheirHostAddressAndTheLastOneIsReused() throws Exception {
        LogLine line = new LogLine();
        InetAddress v4 = InetAddress.getByName("192.0.2.10");
        InetAddress v6 = InetAddress.getByName("2001:db8::1");
        line.appendAddress(v4).append(' ').appendAddress(InetAddress.getByName("192.0.2.10")).append(' ')
                .appendAddress(v6).append(' ').appendAddress(v4);
        assertThat(text(line)).isEqualTo("192.0.2.10 192.0.2.10 2001:db8:0:0:0:0:0:1 192.0.2.10");
    }

    @Test
    void resetReusesTheBuffer() {
        LogLine line = new LogLine();
        line.appendAscii("first line");
        assertThat(text(line.reset().appendAscii(new byte[] {'o', 'k'}))).isEqualTo("ok");
    }
}
