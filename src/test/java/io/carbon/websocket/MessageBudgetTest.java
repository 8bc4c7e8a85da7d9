package io.carbon.websocket;

import io.carbon.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import static io.carbon.websocket.RawWebSocket.TEXT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code rate_limit_messages} (issue 14): each client's budget for WebSocket messages and channel publishes,
 * separate from its request budget. A WebSocket over it is closed with 1008; a publish over it gets 429.
 */
class MessageBudgetTest {

    @TempDir
    Path temp;

    private TestServer start() throws Exception {
        return TestServer.startSite(temp, Map.of(
                "enable_websocket", "true", "rate_limit_messages", "3", "rate_limit_message_burst", "3",
                "rate_limit_allowlist", ""));
    }

    @Test
    void aWebSocketOverItsMessageBudgetIsClosedWith1008() throws Exception {
        try (TestServer server = start(); RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws")) {
            assertThat(ws.status).isEqualTo(101);
            for (int i = 0; i < 3; i++) {
                ws.sendText("message " + i);
                RawWebSocket.Frame echo = ws.read();
                assertThat(echo.opcode()).isEqualTo(TEXT);
                assertThat(echo.text()).isEqualTo("message " + i);
            }
            ws.sendText("one too many");
            assertThat(ws.read().closeCode()).isEqualTo(1008);
        }
    }

    @Test
    void aPublishOverTheBudgetGets429AndIsNotPublished() throws Exception {
        try (TestServer server = start()) {
            HttpClient http = HttpClient.newHttpClient();
            URI channel = server.uri("/ws/channels/news");
            int[] statuses = new int[4];
            for (int i = 0; i < 4; i++) {
                statuses[i] = http.send(HttpRequest.newBuilder(channel).POST(HttpRequest.BodyPublishers.ofString("m"))
                        .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            }
            assertThat(statuses).containsExactly(204, 204, 204, 429);
        }
    }
}
