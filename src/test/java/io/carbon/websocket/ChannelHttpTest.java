package io.carbon.websocket;

import io.carbon.http.HttpProtocol;
import io.carbon.http.Request;
import io.carbon.http.Response;
import io.carbon.testing.Poll;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.carbon.websocket.RawWebSocket.BINARY;
import static io.carbon.websocket.RawWebSocket.TEXT;
import static org.assertj.core.api.Assertions.assertThat;

/** The plain-HTTP side of the channel paths over a real connection: SSE subscriptions, publishing, errors. */
class ChannelHttpTest {

    static WsTestServer server;
    static HttpClient http;

    @BeforeAll
    static void start() {
        WsConfig config = new WsConfig();
        config.sseMaxPublishSize = 1024;
        config.allowedOrigins = List.of("https://carbon.example");
        config.sseHeartbeat = Duration.ofMillis(300);
        server = new WsTestServer(config.build());
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** An open event stream, read line by line. */
    static final class EventStream implements AutoCloseable {
        final HttpResponse<InputStream> response;
        final BufferedReader lines;

        EventStream(String channel, String lastEventId) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(server.httpUri("/ws/channels/" + channel))
                    .header("Accept", "text/event-stream");
            if (lastEventId != null) {
                request.header("Last-Event-ID", lastEventId);
            }
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        }

        /** The lines of the next event (or comment block), without the empty line that ends it. */
        List<String> nextBlock() throws Exception {
            List<String> block = new ArrayList<>();
            for (String line = lines.readLine(); line != null && !line.isEmpty(); line = lines.readLine()) {
                block.add(line);
            }
            return block;
        }

        /** The next event, skipping comments (prelude, heartbeats). */
        List<String> nextEvent() throws Exception {
            List<String> block;
            do {
                block = nextBlock();
            } while (!block.isEmpty() && block.stream().allMatch(l -> l.startsWith(":")));
            return block;
        }

        @Override
        public void close() throws Exception {
            response.body().close();
        }
    }

    private static HttpResponse<String> post(String channel, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(server.httpUri("/ws/channels/" + channel))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anSseSubscriberGetsWebSocketMessagesAndPostsAsEvents() throws Exception {
        try (EventStream sse = new EventStream("live", null); RawWebSocket ws = server.raw("/ws/channels/live")) {
            assertThat(sse.response.statusCode()).isEqualTo(200);
            assertThat(sse.response.headers().firstValue("content-type")).hasValue("text/event-stream");
            assertThat(sse.response.headers().firstValue("cache-control")).hasValue("no-cache");
            assertThat(sse.nextBlock()).containsExactly(": carbon channel");
            ChannelsTest.awaitSubscribers(server, "live", 2);

            ws.sendText("line one\nline two");
            List<String> event = sse.nextEvent();
            assertThat(event.get(0)).matches("id: \\d+");
            assertThat(event.subList(1, event.size())).containsExactly("data: line one", "data: line two");

            ws.send(true, BINARY, new byte[] {1, 2}); // not sent to SSE
            assertThat(post("live", "from a form".getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(204);
            assertThat(sse.nextEvent()).last().isEqualTo("data: from a form");
            RawWebSocket.Frame published = ws.read();
            assertThat(published.opcode()).isEqualTo(TEXT);
            assertThat(published.text()).isEqualTo("from a form");

            assertThat(post("live", new byte[] {(byte) 0xFF, 0}).statusCode()).isEqualTo(204);
            RawWebSocket.Frame binary = ws.read();
            assertThat(binary.opcode()).isEqualTo(BINARY); // not UTF-8: published as binary
            assertThat(binary.payload()).containsExactly(0xFF, 0);
        }
    }

    @Test
    void heartbeatsKeepAnIdleStreamTalking() throws Exception {
        try (EventStream sse = new EventStream("quiet", null)) {
            assertThat(sse.nextBlock()).containsExactly(": carbon channel");
            assertThat(sse.nextBlock()).containsExactly(": keep-alive");
        }
    }

    @Test
    void aReconnectWithLastEventIdReplaysTheMissedEvents() throws Exception {
        try (EventStream first = new EventStream("replay", null)) {
            first.nextBlock();
            ChannelsTest.awaitSubscribers(server, "replay", 1);
            post("replay", "a".getBytes(StandardCharsets.UTF_8));
            String idOfA = first.nextEvent().get(0).substring("id: ".length());
            post("replay", "b".getBytes(StandardCharsets.UTF_8));
            post("replay", "c".getBytes(StandardCharsets.UTF_8));
            try (EventStream again = new EventStream("replay", idOfA)) {
                assertThat(again.nextEvent()).last().isEqualTo("data: b");
                assertThat(again.nextEvent()).last().isEqualTo("data: c");
            }
        }
    }

    @Test
    void closingTheResponseUnsubscribes() throws Exception {
        EventStream sse = new EventStream("brief", null);
        sse.nextBlock();
        ChannelsTest.awaitSubscribers(server, "brief", 1);
        sse.close();
        // The server notices when it next writes: a publish or a heartbeat.
        Poll.untilChecked("the closed event stream to be unsubscribed", () -> {
            if (server.service.subscribers("brief") == 0) {
                return true;
            }
            post("brief", "anyone?".getBytes(StandardCharsets.UTF_8));
            return false;
        });
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void errorsAreAnsweredPrecisely() throws Exception {
        var channel = HttpRequest.newBuilder(server.httpUri("/ws/channels/errors"));
        assertThat(send(channel.copy().GET()).statusCode()).isEqualTo(406);
        HttpResponse<String> put = send(channel.copy().PUT(HttpRequest.BodyPublishers.ofString("x")));
        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(put.headers().firstValue("allow")).hasValue("GET, POST, OPTIONS");
        HttpResponse<String> options = send(channel.copy().method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
        assertThat(options.statusCode()).isEqualTo(204);
        assertThat(options.headers().firstValue("allow")).hasValue("GET, POST, OPTIONS");
        assertThat(post("errors", new byte[1025]).statusCode()).isEqualTo(413);
        assertThat(post("errors", new byte[1024]).statusCode()).isEqualTo(204);
        assertThat(send(HttpRequest.newBuilder(server.httpUri("/ws/channels/no%20such")).GET()).statusCode()).isEqualTo(404);
        HttpResponse<String> echo = send(HttpRequest.newBuilder(server.httpUri("/ws")).GET());
        assertThat(echo.statusCode()).isEqualTo(426);
        assertThat(echo.headers().firstValue("upgrade")).hasValue("websocket");
        HttpResponse<String> foreign = send(channel.copy().header("Origin", "https://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString("spam")));
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(send(channel.copy().header("Origin", "https://carbon.example")
                .POST(HttpRequest.BodyPublishers.ofString("ham"))).statusCode()).isEqualTo(204);
    }

    @ParameterizedTest(name = "Accept: {0}")
    @ValueSource(strings = {"text/event-stream", "TEXT/Event-Stream; charset=utf-8", "text/html, text/event-stream;q=0.9"})
    void acceptVariantsThatAskForAnEventStream(String accept) throws Exception {
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(server.httpUri("/ws/channels/accept"))
                .header("Accept", accept).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        response.body().close();
    }

    @Test
    void aPostWhoseBodyTheBranchDidNotDeliverIsNotPublishedAsEmpty() throws Exception {
        DefaultHttpHeaders headers = new DefaultHttpHeaders();
        headers.set("Content-Length", "5");
        Request request = Request.of(HttpMethod.POST, "/ws/channels/x", headers, HttpProtocol.HTTP_1_1,
                new InetSocketAddress("127.0.0.1", 1), false);
        assertThat(server.service.wantsBody(request)).isTrue();
        Response response = server.service.httpHandler().handle(request).get(5, TimeUnit.SECONDS);
        assertThat(response.status().code()).isEqualTo(501);
        response.body().release();
        headers.set("Content-Length", "4096");
        response = server.service.httpHandler().handle(request).get(5, TimeUnit.SECONDS);
        assertThat(response.status().code()).isEqualTo(413); // the declared length alone is enough
        response.body().release();
        assertThat(server.service.wantsBody(Request.of(HttpMethod.GET, "/ws/channels/x", headers, HttpProtocol.HTTP_1_1,
                new InetSocketAddress("127.0.0.1", 1), false))).isFalse();
        assertThat(server.service.wantsBody(Request.of(HttpMethod.POST, "/ws", headers, HttpProtocol.HTTP_1_1,
                new InetSocketAddress("127.0.0.1", 1), false))).isFalse();
    }
}
