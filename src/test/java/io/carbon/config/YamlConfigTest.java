package io.carbon.config;

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

/** server.yaml: same keys and checks as server.conf, line numbers from YAML marks, safe loading only. */
class YamlConfigTest {

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
        return Files.writeString(tmp.resolve(name), text);
    }

    @Test
    void sameSettingsGiveTheSameConfigAsServerConf() throws Exception {
        Path conf = write("server.conf", String.join("\n",
                "port = 9090",
                "use_https = yes",
                "https_port = 9443",
                "server_name = \"[::]\"",
                "enable_http2 = on",
                "enable_websocket = true",
                "max_threads = 2",
                "max_connections = 500",
                "max_connections_per_ip = 20",
                "shutdown_timeout = 5s",
                "www_path = " + www,
                "access_log = off",
                "access_log_queue = 2048",
                "verbose = 1",
                "running = false",
                "keep_alive_timeout = 500ms",
                "header_timeout = 2m",
                "max_request_line = 4k",
                "max_header_size = 32KiB",
                "max_body_size = 10M",
                "max_pipelined_requests = 4",
                "security_headers = no",
                "x_frame_options = DENY",
                "content_security_policy = \"default-src 'none'\"",
                "index_files = index.html, index.htm",
                "hide_dotfiles = false",
                "symlinks_outside_root = true",
                "cache_control = \"public, max-age=60\"",
                ""));
        Path yaml = write("server.yaml", String.join("\n",
                "# the same settings in YAML",
                "port: 9090",
                "use_https: yes",
                "https_port: 9443",
                "server_name: \"[::]\"",
                "enable_http2: on",
                "enable_websocket: true",
                "max_threads: 2",
                "max_connections: 500",
                "max_connections_per_ip: 20",
                "shutdown_timeout: 5s",
                "www_path: " + www,
                "access_log: off",
                "access_log_queue: 2048",
                "verbose: 1",
                "running: false",
                "keep_alive_timeout: 500ms",
                "header_timeout: 2m",
                "max_request_line: 4k",
                "max_header_size: 32KiB",
                "max_body_size: 10M",
                "max_pipelined_requests: 4",
                "security_headers: no",
                "x_frame_options: DENY",
                "content_security_policy: \"default-src 'none'\"",
                "index_files:",
                "  - index.html",
                "  - index.htm",
                "hide_dotfiles: false",
                "symlinks_outside_root: true",
                "cache_control: 'public, max-age=60'",
                ""));
        ServerConfig fromConf = loader.load(conf);
        ServerConfig fromYaml = loader.load(yaml);
        assertThat(fromYaml.network()).isEqualTo(fromConf.network());
        assertThat(fromYaml.http()).isEqualTo(fromConf.http());
        assertThat(fromYaml.files()).isEqualTo(fromConf.files());
        assertThat(fromYaml.logging()).isEqualTo(fromConf.logging());
        assertThat(fromYaml.running()).isFalse();
        assertThat(fromYaml.enableWebsocket()).isTrue();
        assertThat(fromYaml.source()).isEqualTo(yaml);
        assertThat(fromYaml.network().serverName()).isEqualTo("::");
        assertThat(fromYaml.files().indexFiles()).containsExactly("index.html", "index.htm");
        assertThat(fromYaml.logging().accessLog()).isNull();
        assertThat(warnings).isEmpty();
    }

    @Test
    void ymlExtensionAndKeysAnyCase() throws Exception {
        Path yml = write("Server.YML", "www_path: " + www + "\nPort: 7000\nindex_files: a.html b.html\n");
        ServerConfig c = loader.load(yml);
        assertThat(c.network().port()).isEqualTo(7000);
        assertThat(c.files().indexFiles()).containsExactly("a.html", "b.html");
    }

    @Test
    void nullAndEmptyValuesMeanEmpty() throws Exception {
        Path yml = write("s.yaml", "www_path: " + www + "\naccess_log:\nx_frame_options: ~\ncache_control: ''\n");
        ServerConfig c = loader.load(yml);
        assertThat(c.logging().accessLog()).isNull();
        assertThat(c.http().securityHeaders().frameOptions()).isEmpty();
        assertThat(c.files().cacheControl()).isEmpty();
    }

    @Test
    void badValueNamesLineFromYamlMark() throws Exception {
        Path yml = write("server.yaml", "# comment\nwww_path: " + www + "\n\nport: 80a\n");
        assertThatThrownBy(() -> loader.load(yml))
                .isInstanceOf(ConfigException.class)
                .hasMessage(yml + ":4: port: expected a number from 0 to 65535, got \"80a\"")
                .satisfies(e -> assertThat(((ConfigException) e).line()).isEqualTo(4));
    }

    @Test
    void unknownKeyWarnsWithLine() throws Exception {
        Path yml = write("server.yaml", "www_path: " + www + "\nmax_thread: 8\n");
        loader.load(yml);
        assertThat(warnings).containsExactly(yml + ":2: unknown key \"max_thread\" (did you mean \"max_threads\"?)");
    }

    @Test
    void duplicateKeyNamesBothLines() throws Exception {
        Path yml = write("server.yaml", "port: 1\nwww_path: " + www + "\nport: 2\n");
        assertThatThrownBy(() -> loader.load(yml))
                .isInstanceOf(ConfigException.class)
                .hasMessage(yml + ":3: port: set twice, on lines 1 and 3, expected each key once");
    }

    static Stream<Arguments> rejectedDocuments() {
        return Stream.of(
                Arguments.of("nested mapping", "port: 1\nnetwork:\n  port: 8080\n", 3,
                        "network: nested mappings are not supported"),
                Arguments.of("flow mapping value", "port: 1\n\nheaders: {a: b}\n", 3,
                        "headers: nested mappings are not supported"),
                Arguments.of("top-level list", "- port: 1\n- port: 2\n", 1, "the top level is not a mapping"),
                Arguments.of("top-level scalar", "\n\njust text\n", 3, "the top level is not a mapping"),
                Arguments.of("list for a scalar key", "port:\n  - 1\n  - 2\n", 2,
                        "port: a list is only allowed for index_files"),
                Arguments.of("mapping inside index_files", "index_files:\n  - a.html\n  - {x: y}\n", 3,
                        "index_files: a list item is not a plain value"),
                Arguments.of("syntax error", "port: 1\nwww_path: [unclosed\n", 3, "invalid YAML"),
                Arguments.of("two documents", "port: 1\n---\nport: 2\n", 2, "invalid YAML"),
                Arguments.of("unsafe tag on a value",
                        "port: 1\nx: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader "
                                + "[[!!java.net.URL [\"http://localhost/\"]]]]\n", 2,
                        "Global tag is not allowed: tag:yaml.org,2002:javax.script.ScriptEngineManager"),
                Arguments.of("unsafe tag on the document",
                        "!!javax.script.ScriptEngineManager [!!java.net.URLClassLoader "
                                + "[[!!java.net.URL [\"http://localhost/\"]]]]\n", 1,
                        "Global tag is not allowed"),
                Arguments.of("unsafe tag on a mapping", "!!java.util.HashMap\nport: 1\n", 1,
                        "Global tag is not allowed"),
                Arguments.of("custom local tag", "port: !carbon 8080\n", 1, "port: unsupported YAML tag !carbon"),
                Arguments.of("binary tag", "cache_control: !!binary aGVsbG8=\n", 1,
                        "cache_control: unsupported YAML tag"),
                Arguments.of("non-scalar key", "? [a, b]\n: 1\n", 1, "a key is not a plain scalar"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejectedDocuments")
    void rejectedWithLine(String name, String yaml, int line, String expected) throws Exception {
        Path file = write("server.yaml", yaml);
        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ":" + line + ": ")
                .hasMessageContaining(expected)
                .satisfies(e -> assertThat(((ConfigException) e).line()).isEqualTo(line));
    }

    @Test
    void aliasesAreExpandedButBounded() throws Exception {
        // A "billion laughs" document must fail fast with a ConfigException, not exhaust memory.
        StringBuilder sb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (char c = 'b'; c <= 'j'; c++) {
            String prev = String.valueOf((char) (c - 1));
            sb.append(c).append(": &").append(c).append(" [*").append(prev).append(", *").append(prev)
                    .append(", *").append(prev).append(", *").append(prev).append(", *").append(prev).append("]\n");
        }
        Path file = write("bomb.yaml", sb.toString());
        assertThatThrownBy(() -> loader.load(file)).isInstanceOf(ConfigException.class);
    }

    @Test
    void bomIsTolerated() throws Exception {
        Path yml = write("bom.yaml", "\uFEFFport: 7001\nwww_path: " + www + "\n");
        assertThat(loader.load(yml).network().port()).isEqualTo(7001);
    }
}
