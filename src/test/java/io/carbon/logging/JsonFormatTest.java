package io.carbon.logging;

import io.carbon.config.LoggingConfig;
import io.carbon.http.ExchangeOutcome;
import io.carbon.http.ExchangeOutcome.Cut;
import io.carbon.http.HttpProtocol;
import io.carbon.http.Request;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

class JsonFormatTest {

    private static final Clock FIXED = Clock.fixed(Instant.parse("2026-11-21T21:55:48.123Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private final JsonFormat format = new JsonFormat();

    private static ExchangeOutcome ok(long responseBytes) {
        return new ExchangeOutcome(200, 0, responseBytes, 3_999_999, null, false, Cut.NONE);
    }

    private String line(Request request, ExchangeOutcome outcome, long epochMillis) {
        LogLine line = new LogLine();
        format.format(request, outcome, epochMillis, line);
        return new String(line.toBytes(), StandardCharsets.US_ASCII);
    }

    private String line(Request request, ExchangeOutcome outcome) {
        return line(request, outcome, FIXED.millis());
    }

    private static String escaped(String s) {
        return new String(new LogLine().appendJsonEscaped(s, Integer.MAX_VALUE, "").toBytes(),
                StandardCharsets.US_ASCII);
    }

    @Test
    void everyFieldInOrder() {
        HttpHeaders h = AccessLogTest.headers("http://ref.example/page", "Mozilla/5.0 (X11)");
        h.set(HttpHeaderNames.COOKIE, "session=SECRET-COOKIE-VALUE");
        h.set(HttpHeaderNames.AUTHORIZATION, "Basic U0VDUkVULUFVVEg=");
        Request r = Request.of(HttpMethod.POST, "/a?b=1", h, HttpProtocol.HTTP_2, new InetSocketAddress("::1", 443), true);
        r = r.withConnection(r.connection().withTls("TLSv1.3", "TLS_AES_128_GCM_SHA256"));

        String text = line(r, new ExchangeOutcome(201, 42, 1234, 12_345_678_901L, "gzip", true, Cut.NONE));

        assertThat(text).isEqualTo("{\"time\":\"2026-11-21T21:55:48.123Z\",\"remote\":\"0:0:0:0:0:0:0:1\","
                + "\"method\":\"POST\",\"target\":\"/a?b=1\",\"protocol\":\"HTTP/2.0\",\"status\":201,"
                + "\"request_bytes\":42,\"response_bytes\":1234,\"duration\":12.345,"
                + "\"referer\":\"http://ref.example/page\",\"user_agent\":\"Mozilla/5.0 (X11)\","
                + "\"content_encoding\":\"gzip\",\"cache_hit\":true,\"tls\":\"TLSv1.3\"}");
        assertThat(text).doesNotContain("SECRET-COOKIE-VALUE").doesNotContain("U0VDUkVULUFVVEg=");
        assertThat(Json.parse(text)).containsExactly(
                entry("time", "2026-11-21T21:55:48.123Z"), entry("remote", "0:0:0:0:0:0:0:1"),
                entry("method", "POST"), entry("target", "/a?b=1"), entry("protocol", "HTTP/2.0"),
                entry("status", 201L), entry("request_bytes", 42L), entry("response_bytes", 1234L),
                entry("duration", 12.345), entry("referer", "http://ref.example/page"),
                entry("user_agent", "Mozilla/5.0 (X11)"), entry("content_encoding", "gzip"),
                entry("cache_hit", true), entry("tls", "TLSv1.3"));
    }

    @Test
    void absentValuesAreNullAndEmptyOnesEmpty() {
        Request r = new Request(null, null, null, null, null, null, null, 0, null, null);
        Map<String, Object> fields = Json.parse(line(r, new ExchangeOutcome(400, 0, 0, 0, null, false, Cut.NONE)));
        assertThat(fields).containsEntry("remote", null).containsEntry("method", null)
                .containsEntry("target", null).containsEntry("protocol", null).containsEntry("referer", null)
                .containsEntry("user_agent", null).containsEntry("content_encoding", null)
                .containsEntry("cache_hit", false).containsEntry("tls", null).containsEntry("response_bytes", 0L)
                .containsEntry("duration", 0.0).doesNotContainKey("cut");

        assertThat(Json.parse(line(AccessLogTest.request("/", AccessLogTest.headers("", "")), ok(0))))
                .containsEntry("referer", "").containsEntry("user_agent", "").containsEntry("remote", "127.0.0.1");
    }

    @Test
    void anUnresolvedRemoteIsItsHostString() {
        Request r = Request.of(HttpMethod.GET, "/", AccessLogTest.headers(null, null), HttpProtocol.HTTP_1_1,
                InetSocketAddress.createUnresolved("proxy\"name", 80), false);
        assertThat(Json.parse(line(r, ok(1)))).containsEntry("remote", "proxy\"name");
    }

    @ParameterizedTest
    @EnumSource(value = Cut.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void cutIsLastAndOnlyWhenTheExchangeEndedEarly(Cut cut) {
        String text = line(AccessLogTest.request("/", AccessLogTest.headers(null, null)), new ExchangeOutcome(200, 0, 10, 0, null, false, cut));
        String name = cut.name().toLowerCase(Locale.ROOT);
        assertThat(text).endsWith(",\"cache_hit\":false,\"tls\":null,\"cut\":\"" + name + "\"}");
        assertThat(Json.parse(text)).containsEntry("cut", name);
    }

    @Test
    void timeIsIso8601UtcWithMillisecondsCachedPerSecond() {
        Request r = AccessLogTest.request("/", AccessLogTest.headers(null, null));
        long t = Instant.parse("2027-03-04T05:06:07.009Z").toEpochMilli();
        assertThat(Json.parse(line(r, ok(1), t))).containsEntry("time", "2027-03-04T05:06:07.009Z");
        assertThat(Json.parse(line(r, ok(1), t + 81))).containsEntry("time", "2027-03-04T05:06:07.090Z");
        assertThat(Json.parse(line(r, ok(1), t + 991))).containsEntry("time", "2027-03-04T05:06:08.000Z");
        assertThat(Json.parse(line(r, ok(1), t - 1000))).containsEntry("time", "2027-03-04T05:06:06.009Z");
        assertThat(JsonFormat.formatSecond(Instant.parse("0099-01-02T03:04:05Z").getEpochSecond()))
                .isEqualTo("0099-01-02T03:04:05.");
    }

    /** Raw request bytes as Netty hands them over: one ISO-8859-1 char per byte. */
    private static String wire(String s) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    private static String bytes(int... values) {
        StringBuilder sb = new StringBuilder();
        for (int b : values) {
            sb.append((char) b);
        }
        return sb.toString();
    }

    /** input, as written in the line, as a JSON parser reads it back. */
    static Stream<Arguments> escapes() {
        return Stream.of(
                Arguments.of("plain /path?q=1&x=<y>", "plain /path?q=1&x=<y>", "plain /path?q=1&x=<y>"),
                Arguments.of("", "", ""),
                Arguments.of("a\"b", "a\\\"b", "a\"b"),
                Arguments.of("a\\b", "a\\\\b", "a\\b"),
                Arguments.of("\\\"", "\\\\\\\"", "\\\""),
                Arguments.of("\n", "\\n", "\n"),
                Arguments.of("\r", "\\r", "\r"),
                Arguments.of("\t", "\\t", "\t"),
                Arguments.of("\b", "\\b", "\b"),
                Arguments.of("\f", "\\f", "\f"),
                Arguments.of(bytes(0), "\\u0000", bytes(0)),
                Arguments.of(bytes(1), "\\u0001", bytes(1)),
                Arguments.of(bytes(0x1b), "\\u001b", bytes(0x1b)),
                Arguments.of(bytes(0x1f), "\\u001f", bytes(0x1f)),
                Arguments.of(bytes(0x7f), "\\u007f", bytes(0x7f)),
                Arguments.of("evil\r\n{\"forged\":1}", "evil\\r\\n{\\\"forged\\\":1}", "evil\r\n{\"forged\":1}"),
                // Raw UTF-8 on the wire becomes the characters it encodes.
                Arguments.of(wire("é"), "\\u00e9", "é"),
                Arguments.of(wire("€"), "\\u20ac", "€"),
                Arguments.of(wire("日本"), "\\u65e5\\u672c", "日本"),
                Arguments.of(wire("😀"), "\\ud83d\\ude00", "😀"),
                Arguments.of(wire("\u0080"), "\\u0080", "\u0080"),
                Arguments.of(wire("\u07ff\u0800\uffff"), "\\u07ff\\u0800\\uffff", "\u07ff\u0800\uffff"),
                Arguments.of(wire("\udbff\udfff"), "\\udbff\\udfff", "\udbff\udfff"),
                Arguments.of("/caf" + wire("é") + "?q=" + wire("€"), "/caf\\u00e9?q=\\u20ac", "/café?q=€"),
                // Bytes that are not well-formed UTF-8 keep their ISO-8859-1 reading, one by one.
                Arguments.of(bytes(0xff), "\\u00ff", "ÿ"),
                Arguments.of(bytes(0xe9), "\\u00e9", "é"),
                Arguments.of(bytes(0x80, 'a'), "\\u0080a", "\u0080a"),
                Arguments.of(bytes(0xe2, 0x82), "\\u00e2\\u0082", "\u00e2\u0082"),
                Arguments.of(bytes(0xe2, 0x82, 'x'), "\\u00e2\\u0082x", "\u00e2\u0082x"),
                Arguments.of(bytes(0xc0, 0xaf), "\\u00c0\\u00af", "\u00c0\u00af"), // overlong '/'
                Arguments.of(bytes(0xc1, 0xbf), "\\u00c1\\u00bf", "\u00c1\u00bf"), // overlong
                Arguments.of(bytes(0xe0, 0x80, 0xaf), "\\u00e0\\u0080\\u00af", "\u00e0\u0080\u00af"), // overlong
                Arguments.of(bytes(0xed, 0xa0, 0x80), "\\u00ed\\u00a0\\u0080", "\u00ed\u00a0\u0080"), // surrogate
                Arguments.of(bytes(0xf4, 0x90, 0x80, 0x80), "\\u00f4\\u0090\\u0080\\u0080",
                        "\u00f4\u0090\u0080\u0080"), // above U+10FFFF
                Arguments.of(bytes(0xf5, 0x80, 0x80, 0x80), "\\u00f5\\u0080\\u0080\\u0080",
                        "\u00f5\u0080\u0080\u0080"),
                // Characters above 0xFF (a string made in Java, not read off the wire) are written as they are.
                Arguments.of("€", "\\u20ac", "€"),
                Arguments.of("😀", "\\ud83d\\ude00", "😀"),
                Arguments.of("\u2028\u2029", "\\u2028\\u2029", "\u2028\u2029"),
                Arguments.of("a\ud83d", "a\\ufffd", "a\ufffd"), // lone high surrogate
                Arguments.of("\ude00b", "\\ufffdb", "\ufffdb")); // lone low surrogate
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("escapes")
    void escaping(String input, String expected, String readBack) {
        String out = escaped(input);
        assertThat(out).isEqualTo(expected);
        assertThat(out.chars()).allMatch(c -> c >= 0x20 && c < 0x7F);
        assertThat(Json.parse("{\"v\":\"" + out + "\"}")).containsEntry("v", readBack);
        // Inside a whole line, through every string field.
        String text = line(AccessLogTest.request("/" + input, AccessLogTest.headers(input, input)), ok(1));
        assertThat(text.indexOf('\n')).isEqualTo(-1);
        assertThat(Json.parse(text)).containsEntry("target", "/" + readBack)
                .containsEntry("referer", readBack).containsEntry("user_agent", readBack);
    }

    @Test
    void absurdlyLongFieldsAreTruncatedWithAMarker() {
        String ua = "a".repeat(AccessLogFormat.MAX_FIELD_CHARS + 5000);
        Object read = Json.parse(line(AccessLogTest.request("/", AccessLogTest.headers(null, ua)), ok(1))).get("user_agent");
        assertThat(read).isEqualTo("a".repeat(AccessLogFormat.MAX_FIELD_CHARS) + AccessLogFormat.TRUNCATED);
    }

    @Test
    void accessLogWritesJsonLinesWhenConfigured() throws Exception {
        Path file = dir.resolve("access.log");
        ServerLog serverLog = ServerLog.of(new StringWriter(), false, null, FIXED);
        LoggingConfig config = new LoggingConfig(dir.resolve("server.log"), file,
                LoggingConfig.AccessLogStyle.JSON, 1024, false);
        AccessLog log = AccessLog.open(config, serverLog);
        try {
            log.exchangeCompleted(AccessLogTest.request("/one", AccessLogTest.headers(null, "curl/8.5")), ok(5));
            log.exchangeCompleted(AccessLogTest.request("/two", AccessLogTest.headers(null, null)),
                    new ExchangeOutcome(200, 0, 2, 1_000_000, "br", true, Cut.CLIENT_GONE));
        } finally {
            log.close();
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        assertThat(lines).hasSize(2);
        assertThat(Json.parse(lines.get(0))).containsEntry("target", "/one").containsEntry("user_agent", "curl/8.5")
                .containsEntry("response_bytes", 5L).doesNotContainKey("cut");
        assertThat(Json.parse(lines.get(1))).containsEntry("target", "/two").containsEntry("content_encoding", "br")
                .containsEntry("cache_hit", true).containsEntry("cut", "client_gone");
    }

    /**
     * A strict reader for the flat objects the access log writes (RFC 8259 syntax; strings, numbers, booleans
     * and null as values), so the tests check that a line really is JSON without a JSON library.
     */
    static final class Json {
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        /** The members of the one object that is all of {@code text}, in order. */
        static Map<String, Object> parse(String text) {
            Json p = new Json(text);
            Map<String, Object> members = p.object();
            if (p.i != text.length()) {
                throw p.error("text after the object");
            }
            return members;
        }

        private Map<String, Object> object() {
            expect('{');
            Map<String, Object> members = new LinkedHashMap<>();
            if (peek() == '}') {
                i++;
                return members;
            }
            while (true) {
                String name = string();
                expect(':');
                if (members.containsKey(name)) {
                    throw error("duplicate member " + name);
                }
                members.put(name, value());
                char c = next();
                if (c == '}') {
                    return members;
                }
                if (c != ',') {
                    throw error("expected , or }");
                }
            }
        }

        private Object value() {
            char c = peek();
            if (c == '"') {
                return string();
            }
            for (String word : List.of("true", "false", "null")) {
                if (s.startsWith(word, i)) {
                    i += word.length();
                    return word.equals("null") ? null : Boolean.valueOf(word);
                }
            }
            int start = i;
            if (peek() == '-') {
                i++;
            }
            digits();
            boolean fraction = i < s.length() && s.charAt(i) == '.';
            if (fraction) {
                i++;
                digits();
            }
            String number = s.substring(start, i);
            if (number.matches("-?0\\d.*")) {
                throw error("leading zero");
            }
            return fraction ? (Object) Double.parseDouble(number) : (Object) Long.parseLong(number);
        }

        private void digits() {
            int start = i;
            while (i < s.length() && Character.isDigit(s.charAt(i))) {
                i++;
            }
            if (i == start) {
                throw error("expected a digit");
            }
        }

        private String string() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return sb.toString();
                }
                if (c < 0x20) {
                    throw error("unescaped control character");
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                    case '"', '\\', '/' -> sb.append(e);
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        if (i + 4 > s.length()) {
                            throw error("short escape");
                        }
                        sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> throw error("bad escape \\" + e);
                }
            }
        }

        private void expect(char c) {
            if (next() != c) {
                throw error("expected " + c);
            }
        }

        private char peek() {
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            return s.charAt(i);
        }

        private char next() {
            char c = peek();
            i++;
            return c;
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException(what + " at " + i + " in " + s);
        }
    }

    @Test
    void theTestReaderRejectsWhatIsNotJson() {
        List<String> bad = new ArrayList<>(List.of("{\"a\":\"\\x22\"}", "{\"a\":1,}", "{\"a\":\"\n\"}",
                "{\"a\":01}", "{\"a\":1}x", "{\"a\":1,\"a\":2}"));
        for (String text : bad) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Json.parse(text))
                    .as(text).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
