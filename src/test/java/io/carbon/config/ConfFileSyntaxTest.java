package io.carbon.config;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The server.conf syntax: comments, quotes, BOM, line endings, and the errors the syntax can cause. */
class ConfFileSyntaxTest {

    @TempDir
    Path tmp;
    Path www;
    final List<String> warnings = new ArrayList<>();
    ConfigLoader loader;

    @BeforeEach
    void setUp() throws IOException {
        www = Files.createDirectory(tmp.resolve("www"));
        loader = new ConfigLoader(Map.of(), warnings::add);
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(tmp.resolve(name), text, UTF_8);
    }

    private ServerConfig loadLines(String... lines) throws Exception {
        return loader.load(write("server.conf", "www_path = " + www + "\n" + String.join("\n", lines) + "\n"));
    }

    /** The value of cache_control (a free-form string key) as written on one line. */
    static Stream<Arguments> values() {
        return Stream.of(
                Arguments.of("cache_control = max-age=60", "max-age=60"),
                Arguments.of("cache_control=max-age=60", "max-age=60"),
                Arguments.of("   cache_control   =   max-age=60   ", "max-age=60"),
                Arguments.of("CACHE_CONTROL = public", "public"),
                Arguments.of("Cache_Control = public", "public"),
                Arguments.of("cache_control = public # a trailing comment", "public"),
                Arguments.of("cache_control = public\t# tab before the comment", "public"),
                Arguments.of("cache_control = a#b", "a#b"),
                Arguments.of("cache_control = \"public, max-age=60\"", "public, max-age=60"),
                Arguments.of("cache_control = 'public, max-age=60'", "public, max-age=60"),
                Arguments.of("cache_control = \"has # inside\"", "has # inside"),
                Arguments.of("cache_control = \"quoted\" # comment after quotes", "quoted"),
                Arguments.of("cache_control = \"say \\\"hi\\\"\"", "say \"hi\""),
                Arguments.of("cache_control = \"back\\\\slash\"", "back\\slash"),
                Arguments.of("cache_control = 'single \\\" kept'", "single \\\" kept"),
                Arguments.of("cache_control = \"\"", ""),
                Arguments.of("cache_control =", ""),
                Arguments.of("cache_control = # only a comment", ""),
                Arguments.of("cache_control = naïve-ünïcode", "naïve-ünïcode"));
    }

    @ParameterizedTest
    @MethodSource("values")
    void valueSyntax(String line, String expected) throws Exception {
        assertThat(loadLines(line).files().cacheControl()).isEqualTo(expected);
        assertThat(warnings).isEmpty();
    }

    @Test
    void commentsAndBlankLinesAreIgnored() throws Exception {
        ServerConfig c = loadLines(
                "# a comment",
                "   # an indented comment",
                "; a semicolon comment",
                "\t; indented semicolon comment",
                "",
                "   ",
                "port = 9000");
        assertThat(c.network().port()).isEqualTo(9000);
        assertThat(warnings).isEmpty();
    }

    @Test
    void byteOrderMarkIsTolerated() throws Exception {
        byte[] body = ("port = 9001\nwww_path = " + www + "\n").getBytes(UTF_8);
        byte[] withBom = new byte[body.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(body, 0, withBom, 3, body.length);
        Path file = Files.write(tmp.resolve("bom.conf"), withBom);
        assertThat(loader.load(file).network().port()).isEqualTo(9001);
        assertThat(warnings).isEmpty();
    }

    @Test
    void crlfLineEndings() throws Exception {
        Path file = write("crlf.conf", "port = 9002\r\nwww_path = " + www + "\r\ncache_control = \"x y\"\r\n"
                + "use_https = yes\r\n");
        ServerConfig c = loader.load(file);
        assertThat(c.network().port()).isEqualTo(9002);
        assertThat(c.files().wwwPath()).isEqualTo(www);
        assertThat(c.files().cacheControl()).isEqualTo("x y");
        assertThat(c.network().useHttps()).isTrue();
    }

    @Test
    void noFinalNewline() throws Exception {
        Path file = write("s.conf", "www_path = " + www + "\nport = 9003");
        assertThat(loader.load(file).network().port()).isEqualTo(9003);
    }

    @Test
    void lineWithoutEqualsNamesFileAndLine() throws Exception {
        Path file = write("server.conf", "# header\nport = 80\nmax_threads 8\n");
        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ":3: expected key = value, got \"max_threads 8\"")
                .satisfies(e -> {
                    ConfigException ce = (ConfigException) e;
                    assertThat(ce.file()).isEqualTo(file);
                    assertThat(ce.line()).isEqualTo(3);
                });
    }

    @Test
    void missingKeyBeforeEquals() throws Exception {
        Path file = write("server.conf", " = 80\n");
        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ":1: expected a key before '='");
    }

    static Stream<Arguments> badQuotes() {
        return Stream.of(
                Arguments.of("cache_control = \"unterminated", "missing closing \""),
                Arguments.of("cache_control = 'unterminated", "missing closing '"),
                Arguments.of("cache_control = \"a\" trailing", "unexpected text \"trailing\" after the closing quote"),
                Arguments.of("cache_control = 'a'b", "unexpected text \"b\" after the closing quote"));
    }

    @ParameterizedTest
    @MethodSource("badQuotes")
    void badQuotesAreErrorsWithLineAndKey(String line, String expected) throws Exception {
        Path file = write("server.conf", "www_path = " + www + "\n" + line + "\n");
        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ":2: cache_control: ")
                .hasMessageContaining(expected);
    }

    @Test
    void duplicateKeyNamesBothLines() throws Exception {
        Path file = write("server.conf", "port = 80\n# c\nwww_path = " + www + "\nPORT = 81\n");
        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ":4: port: set twice, on lines 1 and 4, expected each key once");
    }

    @Test
    void unknownKeyIsAWarningWithSuggestion() throws Exception {
        Path file = write("server.conf", "www_path = " + www + "\n\n\n\n\n\nmax_thread = 8\n");
        ServerConfig c = loader.load(file);
        assertThat(c.network().maxThreads()).isEqualTo(4);
        assertThat(warnings).containsExactly(file + ":7: unknown key \"max_thread\" (did you mean \"max_threads\"?)");
    }

    @Test
    void unknownKeySuggestionsPickTheClosestKey() throws Exception {
        loadLines("keepalive_timeout = 5", "enable_http = true", "wwwpath = x", "use_http = yes");
        assertThat(warnings).hasSize(4);
        assertThat(warnings.get(0)).endsWith("unknown key \"keepalive_timeout\" (did you mean \"keep_alive_timeout\"?)");
        assertThat(warnings.get(1)).endsWith("(did you mean \"enable_http2\"?)");
        assertThat(warnings.get(2)).endsWith("(did you mean \"www_path\"?)");
        assertThat(warnings.get(3)).endsWith("(did you mean \"use_https\"?)");
    }

    @Test
    void invalidUtf8NamesTheLine() throws Exception {
        byte[] bytes = ("www_path = " + www + "\ncache_control = caf").getBytes(UTF_8);
        byte[] latin1 = new byte[bytes.length + 2];
        System.arraycopy(bytes, 0, latin1, 0, bytes.length);
        latin1[bytes.length] = (byte) 0xE9; // 'é' in Latin-1, not valid UTF-8 here
        latin1[bytes.length + 1] = '\n';
        Path file = Files.write(tmp.resolve("latin1.conf"), latin1);
        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ":2: invalid UTF-8, expected a UTF-8 text file");
    }

    @Test
    void missingFileNamesFileAndReason() {
        Path file = tmp.resolve("nope.conf");
        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": cannot read the config file: No such file or directory");
    }

    @Test
    void directoryAsConfigFile() {
        assertThatThrownBy(() -> loader.load(www))
                .isInstanceOf(ConfigException.class)
                .hasMessage(www + ": cannot read the config file: is a directory");
    }

    @Test
    void unreadableFileNamesReason() throws Exception {
        Path file = write("secret.conf", "port = 1\n");
        Files.setPosixFilePermissions(file, java.util.Set.of());
        // root can read anything; then there is no OS error to report and the test says nothing.
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(file), "running as root");
        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": cannot read the config file: Permission denied");
    }
}
