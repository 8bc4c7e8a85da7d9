package io.carbon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Defaults for every key when the file is empty, and the {@code --check} listing. */
class DefaultsAndDescribeTest {

    @TempDir
    Path tmp;
    Path www;
    final List<String> warnings = new ArrayList<>();
    ConfigLoader loader;

    @BeforeEach
    void setUp() throws IOException {
        www = Files.createDirectory(tmp.resolve("www"));
        // The default www_path ("www" in the working directory) does not exist in the build, so the
        // document root comes from the environment; every other key is left to its default.
        loader = new ConfigLoader(Map.of("CARBON_WWW_PATH", www.toString()), warnings::add);
    }

    @Test
    void emptyFileGivesEveryDefault() throws Exception {
        Path file = Files.writeString(tmp.resolve("server.conf"), "");
        ServerConfig c = loader.load(file);
        Path cwd = Path.of("").toAbsolutePath();

        assertThat(c.source()).isEqualTo(file);
        assertThat(c.network()).isEqualTo(new NetworkConfig("127.0.0.1", 8080, false, 8443, false, 4, 1024, 256,
                Duration.ofSeconds(10), cwd.resolve("ssl/cert/cert.pem"), cwd.resolve("ssl/key/key.key"), "127.0.0.1",
                9180));
        assertThat(c.http()).isEqualTo(new HttpConfig(Duration.ofSeconds(65), Duration.ofSeconds(10), 8192, 16384,
                1L << 20, 16, 0, Duration.ZERO, Duration.ofSeconds(60), new SecurityHeadersConfig(true, "nosniff", "SAMEORIGIN",
                        "strict-origin-when-cross-origin", "default-src 'self'")));
        assertThat(c.files()).isEqualTo(new FilesConfig(www, List.of("index.html"), true, false, "no-cache"));
        assertThat(c.logging()).isEqualTo(new LoggingConfig(cwd.resolve("log/server.log"),
                cwd.resolve("log/access.log"), 65536, false));
        assertThat(c.enableWebsocket()).isFalse();
        assertThat(c.running()).isTrue();
        assertThat(c.tls()).isEqualTo(new TlsConfig(false, 0, false, false, 20480, Duration.ofMinutes(5),
                Duration.ofSeconds(10), true));
        assertThat(c.tls().hstsHeader()).isEmpty();
        assertThat(c.http2()).isEqualTo(new Http2Config(true, 256, 1 << 20, 16 << 20, 16384, 200,
                Duration.ofSeconds(30)));
        assertThat(warnings).isEmpty();
    }

    @Test
    void hstsHeaderIsBuiltFromItsKeys() throws Exception {
        ServerConfig c = loader.fromSettings(Map.of("use_https", "true", "hsts_max_age", "31536000",
                "hsts_include_subdomains", "yes", "hsts_preload", "on"));
        assertThat(c.tls().hstsHeader()).isEqualTo("max-age=31536000; includeSubDomains; preload");
    }

    @Test
    void redirectToHttpsNeedsHttps() {
        assertThatThrownBy(() -> loader.fromSettings(Map.of("redirect_to_https", "true")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("redirect_to_https").hasMessageContaining("use_https");
    }

    @Test
    void commentOnlyFileAndEmptyYamlGiveTheSameDefaults() throws Exception {
        ServerConfig conf = loader.load(Files.writeString(tmp.resolve("a.conf"), "# nothing\n\n; still nothing\n"));
        ServerConfig yaml = loader.load(Files.writeString(tmp.resolve("a.yaml"), "# nothing\n"));
        ServerConfig map = loader.fromSettings(Map.of());
        assertThat(yaml.network()).isEqualTo(conf.network()).isEqualTo(map.network());
        assertThat(yaml.http()).isEqualTo(conf.http()).isEqualTo(map.http());
        assertThat(yaml.files()).isEqualTo(conf.files()).isEqualTo(map.files());
        assertThat(yaml.logging()).isEqualTo(conf.logging()).isEqualTo(map.logging());
        assertThat(map.source()).isNull();
    }

    @Test
    void describeListsEveryKeyInOrderWithDefaults() throws Exception {
        Path cwd = Path.of("").toAbsolutePath();
        assertThat(ConfigLoader.describe(loader.fromSettings(Map.of()))).containsExactly(
                "port = 8080",
                "use_https = false",
                "https_port = 8443",
                "server_name = 127.0.0.1",
                "enable_http2 = false",
                "enable_websocket = false",
                "max_threads = 4",
                "max_connections = 1024",
                "max_connections_per_ip = 256",
                "rate_limit_requests = 6000",
                "rate_limit_window = 1m",
                "rate_limit_burst = 300",
                "rate_limit_allowlist = 127.0.0.0/8,::1",
                "rate_limit_ipv6_prefix = 64",
                "rate_limit_max_tracked = 100000",
                "rate_limit_messages = 6000",
                "rate_limit_message_burst = 300",
                "trusted_proxies = \"\"",
                "proxy_protocol = false",
                "shutdown_timeout = 10s",
                "admin_port = 9180",
                "admin_address = 127.0.0.1",
                "www_path = " + www,
                "ssl_cert_path = " + cwd.resolve("ssl/cert/cert.pem"),
                "ssl_key_path = " + cwd.resolve("ssl/key/key.key"),
                "log_file = " + cwd.resolve("log/server.log"),
                "access_log = " + cwd.resolve("log/access.log"),
                "access_log_format = combined",
                "access_log_queue = 65536",
                "verbose = false",
                "running = true",
                "keep_alive_timeout = 65s",
                "header_timeout = 10s",
                "send_timeout = 1m",
                "max_request_line = 8KiB",
                "max_header_size = 16KiB",
                "max_body_size = 1MiB",
                "max_pipelined_requests = 16",
                "max_requests_per_connection = 0",
                "max_connection_age = 0s",
                "security_headers = true",
                "x_content_type_options = nosniff",
                "x_frame_options = SAMEORIGIN",
                "referrer_policy = strict-origin-when-cross-origin",
                "content_security_policy = \"default-src 'self'\"",
                "index_files = index.html",
                "hide_dotfiles = true",
                "symlinks_outside_root = false",
                "cache_control = no-cache",
                "cache_max_bytes = 256MiB",
                "cache_max_file_size = 10MiB",
                "cache_revalidate_ms = 1000",
                "enable_compression = true",
                "compression = br,zstd,gzip",
                "compression_level_gzip = 6",
                "compression_level_brotli = 11",
                "compression_level_zstd = 6",
                "compression_types = text/*,application/javascript,application/json,application/*+json,"
                        + "application/xml,application/*+xml,image/svg+xml,application/wasm",
                "compression_min_size = 1KiB",
                "precompressed = true",
                "redirect_to_https = false",
                "hsts_max_age = 0",
                "hsts_include_subdomains = false",
                "hsts_preload = false",
                "tls_session_cache_size = 20480",
                "tls_session_timeout = 5m",
                "tls_handshake_timeout = 10s",
                "ssl_stapling = true",
                "self_signed_for_webtransport = false",
                "enable_h2c = true",
                "http2_max_concurrent_streams = 256",
                "http2_initial_window_size = 1MiB",
                "http2_connection_window_size = 16MiB",
                "http2_max_frame_size = 16KiB",
                "http2_max_resets = 200",
                "http2_reset_window = 30s",
                "enable_http3 = false",
                "http3_port = 0",
                "http3_alt_svc_max_age = 24h",
                "http3_idle_timeout = 30s",
                "http3_max_streams = 100",
                "http3_stream_window = 1MiB",
                "http3_connection_window = 16MiB",
                "http3_congestion_control = cubic",
                "http3_retry = true",
                "http3_udp_buffer_size = 4MiB",
                "enable_webtransport = false",
                "webtransport_max_sessions = 16",
                "webtransport_max_streams = 256",
                "websocket_echo_path = /ws",
                "websocket_channels_path = /ws/channels/",
                "websocket_max_message_size = 1MiB",
                "websocket_idle_timeout = 1m",
                "websocket_max_connections = 10000",
                "websocket_allowed_origins = \"\"",
                "websocket_subprotocols = \"\"",
                "websocket_max_channels = 1024",
                "websocket_max_subscribers = 1024",
                "websocket_queue_size = 256",
                "websocket_permessage_deflate = true",
                "sse_replay = 32",
                "sse_heartbeat = 15s",
                "sse_max_publish_size = 64KiB");
    }

    @Test
    void describeShowsEffectiveValues() throws Exception {
        ServerConfig c = loader.fromSettings(Map.of(
                "keep_alive_timeout", "500ms", "shutdown_timeout", "120", "max_threads", "0",
                "access_log", "off", "x_frame_options", "", "index_files", "index.html index.htm",
                "cache_control", "say \"hi\"", "max_body_size", "1000"));
        assertThat(ConfigLoader.describe(c))
                .contains("keep_alive_timeout = 500ms", "shutdown_timeout = 2m",
                        "max_threads = " + Runtime.getRuntime().availableProcessors(),
                        "access_log = off", "x_frame_options = \"\"", "index_files = index.html,index.htm",
                        "cache_control = \"say \\\"hi\\\"\"", "max_body_size = 1000");
    }

    @Test
    void describeOutputReadsBackAsTheSameConfig() throws Exception {
        ServerConfig original = loader.fromSettings(Map.of(
                "keep_alive_timeout", "1500ms", "content_security_policy", "default-src 'self'; img-src *",
                "cache_control", "back\\slash # and \"quotes\"", "index_files", "a.html,b.htm",
                "server_name", "[::1]", "access_log", "off", "max_body_size", "3g"));
        Path file = Files.write(tmp.resolve("roundtrip.conf"), ConfigLoader.describe(original));
        ServerConfig again = loader.load(file);
        assertThat(again.network()).isEqualTo(original.network());
        assertThat(again.http()).isEqualTo(original.http());
        assertThat(again.files()).isEqualTo(original.files());
        assertThat(again.logging()).isEqualTo(original.logging());
        assertThat(warnings).isEmpty();
    }
}
