package io.carbon.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The WebSocket, channel and SSE keys: defaults, accepted forms, errors and cross-checks. */
class WebSocketKeysTest {

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
    void defaultsMatchTheDocumentedOnes() throws Exception {
        assertThat(load().websocket()).isEqualTo(new WebSocketConfig("/ws", "/ws/channels/", 1 << 20,
                Duration.ofSeconds(60), 10_000, List.of(), List.of(), 1024, 1024, 256, true, 32,
                Duration.ofSeconds(15), 64 * 1024));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
            "websocket_echo_path       | /echo                          | /echo",
            "websocket_echo_path       | /a/b-c_d.e~f                   | /a/b-c_d.e~f",
            "websocket_channels_path   | /live                          | /live/",
            "websocket_channels_path   | /live/                         | /live/",
            "websocket_allowed_origins | 'HTTPS://Example.com:443, http://localhost:8080, http://a.b:80' | [https://example.com, http://localhost:8080, http://a.b]",
            "websocket_allowed_origins | 'https://[::1]:8443'           | [https://[::1]:8443]",
            "websocket_subprotocols    | 'chat.v2, Chat'                | [chat.v2, Chat]",
            "websocket_max_message_size| 64k                            | 65536",
            "sse_heartbeat             | 2500ms                         | PT2.5S",
            "sse_replay                | 0                              | 0",
    })
    void acceptsValidForms(String key, String value, String expected) throws Exception {
        WebSocketConfig ws = load(key, value).websocket();
        Object actual = switch (key) {
            case "websocket_echo_path" -> ws.echoPath();
            case "websocket_channels_path" -> ws.channelsPath();
            case "websocket_allowed_origins" -> ws.allowedOrigins();
            case "websocket_subprotocols" -> ws.subprotocols();
            case "websocket_max_message_size" -> ws.maxMessageSize();
            case "sse_heartbeat" -> ws.sseHeartbeat();
            default -> ws.sseReplay();
        };
        assertThat(String.valueOf(actual)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
            "websocket_echo_path        | ws                 | expected a path like /ws",
            "websocket_echo_path        | /                  | expected a path like /ws",
            "websocket_echo_path        | /a//b              | expected a path like /ws",
            "websocket_echo_path        | /a/../b            | expected a path like /ws",
            "websocket_echo_path        | /a b               | expected a path like /ws",
            "websocket_echo_path        | /ws?x=1            | expected a path like /ws",
            "websocket_echo_path        | /caf%C3%A9         | expected a path like /ws",
            "websocket_channels_path    | /                  | expected a path like /ws/channels/",
            "websocket_allowed_origins  | example.com        | expected origins like",
            "websocket_allowed_origins  | https://a.com/path | expected origins like",
            "websocket_allowed_origins  | ftp://a.com        | expected origins like",
            "websocket_allowed_origins  | https://a.com:70000| expected origins like",
            "websocket_subprotocols     | 'a, b/c'           | expected names made of",
            "websocket_subprotocols     | 'chat, chat'       | listed twice",
            "websocket_max_message_size | 100                | websocket_max_message_size",
            "websocket_idle_timeout     | 0                  | websocket_idle_timeout",
            "websocket_max_connections  | 0                  | websocket_max_connections",
            "websocket_queue_size       | 0                  | websocket_queue_size",
            "websocket_permessage_deflate | maybe            | expected a boolean",
            "sse_heartbeat              | 2h                 | sse_heartbeat",
    })
    void rejectsInvalidValuesNamingTheKey(String key, String value, String message) {
        assertThatThrownBy(() -> load(key, value))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(key)
                .hasMessageContaining(message);
    }

    @Test
    void theEchoPathMustNotBeInsideTheChannelsPath() {
        assertThatThrownBy(() -> load("websocket_echo_path", "/ws/channels/echo"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("websocket_echo_path")
                .hasMessageContaining("inside websocket_channels_path");
        assertThatThrownBy(() -> load("websocket_echo_path", "/live", "websocket_channels_path", "/live"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("inside websocket_channels_path");
    }

    @Test
    void theReplayMustFitASubscribersQueue() {
        assertThatThrownBy(() -> load("sse_replay", "100", "websocket_queue_size", "50"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("sse_replay")
                .hasMessageContaining("websocket_queue_size");
    }

    @Test
    void aPublishedMessageMustFitAWebSocketMessage() {
        assertThatThrownBy(() -> load("sse_max_publish_size", "2MiB"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("sse_max_publish_size")
                .hasMessageContaining("websocket_max_message_size");
    }

    @Test
    void describeOutputReadsBackAsTheSameWebSocketConfig() throws Exception {
        ServerConfig original = load("websocket_allowed_origins", "https://a.example,http://b.example:8080",
                "websocket_subprotocols", "x,y", "websocket_channels_path", "/c", "websocket_idle_timeout", "90s");
        Path file = Files.write(tmp.resolve("roundtrip.conf"), ConfigLoader.describe(original));
        ServerConfig again = new ConfigLoader(Map.of(), w -> { }).load(file);
        assertThat(again.websocket()).isEqualTo(original.websocket());
    }
}
