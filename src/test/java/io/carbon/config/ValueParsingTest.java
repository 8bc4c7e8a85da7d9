package io.carbon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Every value type, good and bad, through server.conf lines so that errors carry file, line and key. */
class ValueParsingTest {

    @TempDir
    Path tmp;
    Path www;
    ConfigLoader loader;

    @BeforeEach
    void setUp() throws IOException {
        www = Files.createDirectory(tmp.resolve("www"));
        loader = new ConfigLoader(Map.of(), w -> { });
    }

    private ServerConfig load(String key, String value) throws Exception {
        // Line 1 sets the document root (or, for www_path itself, a harmless key), the key under test is line 2.
        String first = key.equals("www_path") ? "port = 8080" : "www_path = " + www;
        Path file = Files.writeString(tmp.resolve("server.conf"), first + "\n" + key + " = " + value + "\n");
        return loader.load(file);
    }

    private Path conf() {
        return tmp.resolve("server.conf");
    }

    static Stream<Arguments> goodValues() {
        Function<ServerConfig, Object> port = c -> c.network().port();
        Function<ServerConfig, Object> useHttps = c -> c.network().useHttps();
        Function<ServerConfig, Object> keepAlive = c -> c.http().keepAliveTimeout();
        Function<ServerConfig, Object> body = c -> c.http().maxBodySize();
        Function<ServerConfig, Object> header = c -> c.http().maxHeaderSize();
        Function<ServerConfig, Object> index = c -> c.files().indexFiles();
        Function<ServerConfig, Object> host = c -> c.network().serverName();
        return Stream.of(
                Arguments.of("use_https", "true", useHttps, true),
                Arguments.of("use_https", "YES", useHttps, true),
                Arguments.of("use_https", "On", useHttps, true),
                Arguments.of("use_https", "1", useHttps, true),
                Arguments.of("use_https", "false", useHttps, false),
                Arguments.of("use_https", "no", useHttps, false),
                Arguments.of("use_https", "OFF", useHttps, false),
                Arguments.of("use_https", "0", useHttps, false),
                Arguments.of("port", "0", port, 0),
                Arguments.of("port", "65535", port, 65535),
                Arguments.of("port", "\"8081\"", port, 8081),
                Arguments.of("max_threads", "1024", (Function<ServerConfig, Object>) c -> c.network().maxThreads(), 1024),
                Arguments.of("max_threads", "0", (Function<ServerConfig, Object>) c -> c.network().maxThreads(),
                        Runtime.getRuntime().availableProcessors()),
                Arguments.of("max_connections_per_ip", "0",
                        (Function<ServerConfig, Object>) c -> c.network().maxConnectionsPerIp(), 0),
                Arguments.of("keep_alive_timeout", "30", keepAlive, Duration.ofSeconds(30)),
                Arguments.of("keep_alive_timeout", "65s", keepAlive, Duration.ofSeconds(65)),
                Arguments.of("keep_alive_timeout", "500ms", keepAlive, Duration.ofMillis(500)),
                Arguments.of("keep_alive_timeout", "2m", keepAlive, Duration.ofMinutes(2)),
                Arguments.of("keep_alive_timeout", "1h", keepAlive, Duration.ofHours(1)),
                Arguments.of("keep_alive_timeout", "10 S", keepAlive, Duration.ofSeconds(10)),
                Arguments.of("shutdown_timeout", "0", (Function<ServerConfig, Object>) c -> c.network().shutdownTimeout(),
                        Duration.ZERO),
                Arguments.of("max_body_size", "0", body, 0L),
                Arguments.of("max_body_size", "1000", body, 1000L),
                Arguments.of("max_body_size", "4k", body, 4096L),
                Arguments.of("max_body_size", "4K", body, 4096L),
                Arguments.of("max_body_size", "4KiB", body, 4096L),
                Arguments.of("max_body_size", "2m", body, 2L << 20),
                Arguments.of("max_body_size", "2M", body, 2L << 20),
                Arguments.of("max_body_size", "2MiB", body, 2L << 20),
                Arguments.of("max_body_size", "3g", body, 3L << 30),
                Arguments.of("max_body_size", "3 GiB", body, 3L << 30),
                Arguments.of("max_header_size", "1k", header, 1024),
                Arguments.of("max_header_size", "1MiB", header, 1 << 20),
                Arguments.of("index_files", "index.html", index, List.of("index.html")),
                Arguments.of("index_files", "index.html,index.htm", index, List.of("index.html", "index.htm")),
                Arguments.of("index_files", "index.html index.htm", index, List.of("index.html", "index.htm")),
                Arguments.of("index_files", "\"index.html,  index.htm\tdefault.html\"", index,
                        List.of("index.html", "index.htm", "default.html")),
                Arguments.of("index_files", "\"\"", index, List.of()),
                Arguments.of("server_name", "0.0.0.0", host, "0.0.0.0"),
                Arguments.of("server_name", "::", host, "::"),
                Arguments.of("server_name", "[::1]", host, "::1"),
                Arguments.of("server_name", "::1", host, "::1"),
                Arguments.of("server_name", "2001:db8::7", host, "2001:db8::7"),
                Arguments.of("server_name", "localhost", host, "localhost"),
                Arguments.of("server_name", "www.example.com", host, "www.example.com"),
                Arguments.of("server_name", "my_host-1.internal", host, "my_host-1.internal"),
                Arguments.of("x_frame_options", "DENY",
                        (Function<ServerConfig, Object>) c -> c.http().securityHeaders().frameOptions(), "DENY"),
                Arguments.of("content_security_policy", "\"\"",
                        (Function<ServerConfig, Object>) c -> c.http().securityHeaders().contentSecurityPolicy(), ""),
                Arguments.of("access_log", "off", (Function<ServerConfig, Object>) c -> c.logging().accessLog(), null),
                Arguments.of("access_log", "OFF", (Function<ServerConfig, Object>) c -> c.logging().accessLog(), null),
                Arguments.of("access_log", "\"\"", (Function<ServerConfig, Object>) c -> c.logging().accessLog(), null),
                Arguments.of("access_log", "/var/log/carbon/a.log",
                        (Function<ServerConfig, Object>) c -> c.logging().accessLog(), Path.of("/var/log/carbon/a.log")),
                Arguments.of("log_file", "logs/../log/x.log",
                        (Function<ServerConfig, Object>) c -> c.logging().logFile(),
                        Path.of("").toAbsolutePath().resolve("log/x.log")),
                Arguments.of("ssl_cert_path", "certs/c.pem",
                        (Function<ServerConfig, Object>) c -> c.network().sslCertPath(),
                        Path.of("").toAbsolutePath().resolve("certs/c.pem")));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("goodValues")
    void goodValue(String key, String value, Function<ServerConfig, Object> getter, Object expected) throws Exception {
        assertThat(getter.apply(load(key, value))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "use_https | maybe | expected a boolean (true/false, yes/no, on/off, 1/0), got \"maybe\"",
        "use_https | 2 | expected a boolean (true/false, yes/no, on/off, 1/0), got \"2\"",
        "verbose | `\"\"` | expected a boolean (true/false, yes/no, on/off, 1/0), got \"\"",
        "port | 80a | expected a number from 0 to 65535, got \"80a\"",
        "port | 65536 | expected a number from 0 to 65535, got \"65536\"",
        "port | -1 | expected a number from 0 to 65535, got \"-1\"",
        "port | 99999999999999999999 | expected a number from 0 to 65535, got \"99999999999999999999\"",
        "port | 8080.5 | expected a number from 0 to 65535, got \"8080.5\"",
        "https_port | 70000 | expected a number from 0 to 65535, got \"70000\"",
        "max_threads | 1025 | expected a number from 0 to 1024, got \"1025\"",
        "max_threads | -2 | expected a number from 0 to 1024, got \"-2\"",
        "max_connections | 0 | expected a whole number of at least 1, got \"0\"",
        "max_connections_per_ip | -1 | expected a whole number of at least 0, got \"-1\"",
        "access_log_queue | 1023 | expected a number from 1024 to 16777216, got \"1023\"",
        "max_pipelined_requests | 0 | expected a number from 1 to 1024, got \"0\"",
        "max_pipelined_requests | 1025 | expected a number from 1 to 1024, got \"1025\"",
        "keep_alive_timeout | 0 | expected a duration from 1ms to 24h",
        "keep_alive_timeout | 5d | got \"5d\"",
        "keep_alive_timeout | 1.5s | got \"1.5s\"",
        "keep_alive_timeout | -5 | got \"-5\"",
        "header_timeout | 25h | expected a duration from 1ms to 24h (seconds, or with a unit ms/s/m/h, e.g. 65s, 500ms, 2m), got \"25h\"",
        "shutdown_timeout | soon | got \"soon\"",
        "max_request_line | 255 | expected a size from 256 to 1MiB",
        "max_request_line | 2m | expected a size from 256 to 1MiB",
        "max_header_size | 1023 | expected a size from 1KiB to 1MiB",
        "max_header_size | 2MiB | got \"2MiB\"",
        "max_body_size | 10KB | got \"10KB\"",
        "max_body_size | 1.5M | got \"1.5M\"",
        "max_body_size | 99999999999G | got \"99999999999G\"",
        "server_name | `\"\"` | expected an IPv4 address, an IPv6 address or a host name",
        "server_name | `\"my host\"` | got \"my host\"",
        "server_name | 256.1.1.1 | got \"256.1.1.1\"",
        "server_name | 1:2:3:4:5:6:7:8:9 | got \"1:2:3:4:5:6:7:8:9\"",
        "server_name | [::1 | got \"[::1\"",
        "server_name | -bad-.example | got \"-bad-.example\"",
        "index_files | ../secret.html | expected plain file names",
        "index_files | a/index.html | expected plain file names",
        "www_path | `\"\"` | expected a path, got an empty value",
        "log_file | `\"\"` | expected a path, got an empty value",
    })
    void badValueNamesFileLineKeyAndExpectation(String key, String value, String expected) throws Exception {
        assertThatThrownBy(() -> load(key, value))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(conf() + ":2: " + key + ": ")
                .hasMessageContaining(expected)
                .satisfies(e -> {
                    ConfigException ce = (ConfigException) e;
                    assertThat(ce.file()).isEqualTo(conf());
                    assertThat(ce.line()).isEqualTo(2);
                    assertThat(ce.key()).isEqualTo(key);
                });
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "x_content_type_options", "x_frame_options", "referrer_policy", "content_security_policy", "cache_control"
    })
    void headerValuesRejectControlCharacters(String key) throws Exception {
        // Written in double quotes, a raw CR stays inside the value: exactly the header-injection shape.
        for (String bad : List.of("a\rSet-Cookie: x=1", "a\u0000b", "a\u007fb", "a\u001bb")) {
            Path file = Files.writeString(tmp.resolve("server.conf"),
                    "www_path = " + www + "\n" + key + " = \"" + bad + "\"\n");
            assertThatThrownBy(() -> loader.load(file))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith(file + ":2: " + key + ": contains a control character");
        }
        // A literal LF can only reach a value through fromSettings or the environment.
        assertThatThrownBy(() -> loader.fromSettings(Map.of("www_path", www.toString(), key, "a\nSet-Cookie: x")))
                .isInstanceOf(ConfigException.class)
                .hasMessage(key + ": contains a control character (such as CR or LF), expected a header value on"
                        + " one line without control characters, got \"a\\nSet-Cookie: x\"");
    }

    @Test
    void headerValueMayContainTab() throws Exception {
        assertThat(load("cache_control", "\"a\tb\"").files().cacheControl()).isEqualTo("a\tb");
    }

    @Test
    void wwwPathMissingNamesKeyFileAndLine() throws Exception {
        Path missing = tmp.resolve("nowhere");
        assertThatThrownBy(() -> loader.load(Files.writeString(conf(), "port = 1\nwww_path = " + missing + "\n")))
                .isInstanceOf(ConfigException.class)
                .hasMessage(conf() + ":2: www_path: " + missing + " does not exist, expected an existing directory");
    }

    @Test
    void wwwPathNotADirectory() throws Exception {
        Path file = Files.writeString(tmp.resolve("file.txt"), "x");
        assertThatThrownBy(() -> loader.load(Files.writeString(conf(), "www_path = " + file + "\n")))
                .isInstanceOf(ConfigException.class)
                .hasMessage(conf() + ":1: www_path: " + file + " is not a directory, expected an existing directory");
    }

    @Test
    void wwwPathIsAbsoluteAndNormalized() throws Exception {
        Files.createDirectory(www.resolve("sub"));
        ServerConfig c = loader.fromSettings(Map.of("www_path", www + "/sub/../sub/./"));
        assertThat(c.files().wwwPath()).isEqualTo(www.resolve("sub")).isAbsolute();
    }

    @Test
    void relativeWwwPathResolvesAgainstWorkingDirectory() throws Exception {
        // src/test exists relative to the module directory, which is Maven's working directory.
        ServerConfig c = loader.fromSettings(Map.of("www_path", "src/test"));
        assertThat(c.files().wwwPath()).isEqualTo(Path.of("").toAbsolutePath().resolve("src/test"));
    }

    @Test
    void defaultWwwPathMissingIsAnErrorNamingTheKey() throws Exception {
        Path cwdWww = Path.of("").toAbsolutePath().resolve("www");
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(cwdWww), "a www directory exists here");
        assertThatThrownBy(() -> loader.fromSettings(Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("www_path: " + cwdWww + " does not exist, expected an existing directory"
                        + " (this is the default; set www_path to change it)")
                .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("www_path"));
    }

    @Test
    void httpsPortEqualToPortIsAnError() throws Exception {
        Path file = Files.writeString(conf(), "www_path = " + www + "\nport = 8443\nuse_https = on\nhttps_port = 8443\n");
        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ":4: https_port: is the same as port (8443), expected a different port for TLS");
        // Without TLS the HTTPS port is unused, so the clash does not matter.
        Files.writeString(conf(), "www_path = " + www + "\nport = 8443\nhttps_port = 8443\n");
        assertThat(loader.load(file).network().port()).isEqualTo(8443);
    }
}
