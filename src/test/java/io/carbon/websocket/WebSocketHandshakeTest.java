package io.carbon.websocket;

import io.carbon.http.HttpProtocol;
import io.carbon.http.Body;
import io.carbon.http.Request;
import io.carbon.http.Response;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** RFC 6455 §4.2.1/§4.2.2 and RFC 8441 §4/§5 handshake validation, case by case, without a network. */
class WebSocketHandshakeTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);

    private static HttpHeaders valid() {
        return new DefaultHttpHeaders()
                .add("Host", "example.com")
                .add("Upgrade", "websocket")
                .add("Connection", "Upgrade")
                .add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
                .add("Sec-WebSocket-Version", "13");
    }

    private static Request get(String path, HttpHeaders headers) {
        return Request.of(HttpMethod.GET, path, headers, HttpProtocol.HTTP_1_1, CLIENT, false);
    }

    private static WebSocketHandshake handshake(java.util.function.Consumer<WsConfig> change) {
        WsConfig config = new WsConfig();
        change.accept(config);
        return new WebSocketHandshake(config.build());
    }

    private static final WebSocketHandshake DEFAULT = handshake(c -> { });

    private static Response rejected(HandshakeResult result) {
        assertThat(result).isInstanceOf(HandshakeResult.Rejected.class);
        return ((HandshakeResult.Rejected) result).response();
    }

    private static String body(Response response) {
        ByteBuf content = ((Body.Bytes) response.body()).content();
        String text = content.toString(StandardCharsets.UTF_8);
        content.release();
        return text;
    }

    private static void assertRejected(HandshakeResult result, int status, String reasonPart) {
        Response response = rejected(result);
        assertThat(response.status().code()).isEqualTo(status);
        assertThat(body(response)).contains(reasonPart);
    }

    @Test
    void acceptsTheRfcExampleWithItsAcceptValue() {
        HandshakeResult result = DEFAULT.http1(get("/ws", valid()));
        assertThat(result).isInstanceOf(Accepted.class);
        Accepted accepted = (Accepted) result;
        assertThat(accepted.status().code()).isEqualTo(101);
        assertThat(accepted.endpoint()).isEqualTo(new Endpoint.Echo());
        assertThat(accepted.responseHeaders().get("Sec-WebSocket-Accept")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assertThat(accepted.responseHeaders().get("Upgrade")).isEqualTo("websocket");
        assertThat(accepted.responseHeaders().get("Connection")).isEqualToIgnoringCase("upgrade");
        assertThat(accepted.subprotocol()).isNull();
        assertThat(accepted.deflate()).isNull();
        assertThat(accepted.response().status().code()).isEqualTo(101);
    }

    @Test
    void tokenListsMatchCaseInsensitivelyAcrossLinesAndElements() {
        HttpHeaders headers = valid();
        headers.set("Upgrade", "h2c, WebSocket");
        headers.remove("Connection");
        headers.add("Connection", "keep-alive");
        headers.add("Connection", "foo, UPGRADE");
        assertThat(DEFAULT.http1(get("/ws", headers))).isInstanceOf(Accepted.class);
        assertThat(WebSocketHandshake.isUpgradeRequest(headers)).isTrue();
        assertThat(WebSocketHandshake.isUpgradeRequest(new DefaultHttpHeaders().add("Upgrade", "h2c"))).isFalse();
    }

    @Test
    void methodOtherThanGetIs405() {
        Response response = rejected(DEFAULT.http1(Request.of(HttpMethod.POST, "/ws", valid(), HttpProtocol.HTTP_1_1, CLIENT, false)));
        assertThat(response.status().code()).isEqualTo(405);
        assertThat(response.headers().get("Allow")).isEqualTo("GET");
        response.body().release();
    }

    @Test
    void http10Is400() {
        assertRejected(DEFAULT.http1(Request.of(HttpMethod.GET, "/ws", valid(), HttpProtocol.HTTP_1_0, CLIENT, false)), 400,
                "HTTP/1.1");
    }

    @ParameterizedTest(name = "without {0}")
    @CsvSource({"Host,Host", "Upgrade,Upgrade", "Connection,Connection", "Sec-WebSocket-Key,Sec-WebSocket-Key"})
    void missingHeadersAre400(String header, String reason) {
        HttpHeaders headers = valid();
        headers.remove(header);
        assertRejected(DEFAULT.http1(get("/ws", headers)), 400, reason);
    }

    @Test
    void connectionWithoutTheUpgradeTokenIs400() {
        HttpHeaders headers = valid();
        headers.set("Connection", "keep-alive");
        assertRejected(DEFAULT.http1(get("/ws", headers)), 400, "Connection");
    }

    @ParameterizedTest(name = "version {0}")
    @ValueSource(strings = {"8", "12", "14", "13, 8", ""})
    void otherVersionsAre426NamingVersion13(String version) {
        HttpHeaders headers = valid();
        headers.set("Sec-WebSocket-Version", version);
        Response response = rejected(DEFAULT.http1(get("/ws", headers)));
        assertThat(response.status().code()).isEqualTo(426);
        assertThat(response.headers().get("Sec-WebSocket-Version")).isEqualTo("13");
        response.body().release();
    }

    @Test
    void missingVersionIs426() {
        HttpHeaders headers = valid();
        headers.remove("Sec-WebSocket-Version");
        assertThat(rejected(DEFAULT.http1(get("/ws", headers))).status().code()).isEqualTo(426);
    }

    @ParameterizedTest(name = "key {0}")
    @ValueSource(strings = {"dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQ=", "AAAAAAAAAAAAAAAAAAAAAAAAAA==",
            "dGhlIHNhbXBsZSBub25j!!==", "c2hvcnQ=", "dGhlIHNhbXBsZSBub25jZQ==dGhl"})
    void malformedKeysAre400(String key) {
        HttpHeaders headers = valid();
        headers.set("Sec-WebSocket-Key", key);
        assertRejected(DEFAULT.http1(get("/ws", headers)), 400, "Sec-WebSocket-Key");
    }

    @Test
    void twoKeysAre400() {
        HttpHeaders headers = valid();
        headers.add("Sec-WebSocket-Key", "AQIDBAUGBwgJCgsMDQ4PEA==");
        assertRejected(DEFAULT.http1(get("/ws", headers)), 400, "Sec-WebSocket-Key");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/ws/channels/", "/ws/channels/a/b", "/ws/channels/bad%20name", "/ws/channels/..",
            "/ws/channels/x!", "/ws/channels/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void pathsThatNameNoChannelAre404(String path) {
        assertRejected(DEFAULT.http1(get(path, valid())), 404, "channel");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lobby", "a", "A.b_c-9", "...", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void channelNames(String name) {
        Accepted accepted = (Accepted) DEFAULT.http1(get("/ws/channels/" + name + "?x=1", valid()));
        assertThat(accepted.endpoint()).isEqualTo(new Endpoint.Channel(name));
    }

    @Test
    void anUnknownPathIs404() {
        assertRejected(DEFAULT.http1(get("/elsewhere", valid())), 404, "WebSocket");
    }

    @Test
    void originsAreCheckedWhenConfigured() {
        WebSocketHandshake strict = handshake(c -> c.allowedOrigins = List.of("https://example.com", "http://localhost:8080"));
        HttpHeaders headers = valid();
        headers.set("Origin", "https://evil.example");
        assertRejected(strict.http1(get("/ws", headers)), 403, "Origin");
        headers.set("Origin", "null");
        assertRejected(strict.http1(get("/ws", headers)), 403, "Origin");
        headers.set("Origin", "HTTPS://Example.com:443");
        assertThat(strict.http1(get("/ws", headers))).isInstanceOf(Accepted.class);
        headers.set("Origin", "http://localhost:8080");
        assertThat(strict.http1(get("/ws", headers))).isInstanceOf(Accepted.class);
        headers.remove("Origin"); // not a browser: allowed
        assertThat(strict.http1(get("/ws", headers))).isInstanceOf(Accepted.class);
        headers.set("Origin", "https://evil.example");
        assertThat(DEFAULT.http1(get("/ws", headers))).isInstanceOf(Accepted.class); // empty list = any
    }

    @ParameterizedTest(name = "offered \"{0}\"")
    @CsvSource(delimiter = '|', value = {
            "chat              | chat",
            "foo, chat         | chat",
            "chat, chat.v2     | chat",
            "chat.v2, chat     | chat.v2",
            "foo, bar          | ",
            "CHAT              | ",
    })
    void theClientsFirstProtocolThatIsAllowedIsSelected(String offered, String selected) {
        WebSocketHandshake withProtocols = handshake(c -> c.subprotocols = List.of("chat.v2", "chat"));
        HttpHeaders headers = valid();
        headers.set("Sec-WebSocket-Protocol", offered);
        Accepted accepted = (Accepted) withProtocols.http1(get("/ws", headers));
        assertThat(accepted.subprotocol()).isEqualTo(selected);
        assertThat(accepted.responseHeaders().get("Sec-WebSocket-Protocol")).isEqualTo(selected);
    }

    @Test
    void noSubprotocolIsSelectedWhenNoneIsConfigured() {
        HttpHeaders headers = valid();
        headers.set("Sec-WebSocket-Protocol", "chat");
        assertThat(((Accepted) DEFAULT.http1(get("/ws", headers))).subprotocol()).isNull();
    }

    @Test
    void extensionsAreNegotiated() {
        HttpHeaders headers = valid();
        headers.add("Sec-WebSocket-Extensions", "foo; bar=\"baz\"");
        headers.add("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits");
        Accepted accepted = (Accepted) DEFAULT.http1(get("/ws", headers));
        assertThat(accepted.deflate()).isEqualTo(new DeflateParameters(true, false, 15, 15, false));
        assertThat(accepted.responseHeaders().get("Sec-WebSocket-Extensions"))
                .isEqualTo("permessage-deflate; server_no_context_takeover");
    }

    // ---- RFC 8441 ----

    private static Request connect(String path, HttpHeaders headers) {
        return Request.of(HttpMethod.CONNECT, path, headers, HttpProtocol.HTTP_2, CLIENT, true);
    }

    private static HttpHeaders h2() {
        return new DefaultHttpHeaders().add("Host", "example.com").add("Sec-WebSocket-Version", "13");
    }

    @Test
    void extendedConnectIsAnsweredWith200AndNoAcceptValue() {
        HttpHeaders headers = h2();
        headers.add("Sec-WebSocket-Extensions", "permessage-deflate");
        Accepted accepted = (Accepted) DEFAULT.extendedConnect(connect("/ws/channels/lobby", headers), "websocket");
        assertThat(accepted.status().code()).isEqualTo(200);
        assertThat(accepted.endpoint()).isEqualTo(new Endpoint.Channel("lobby"));
        assertThat(accepted.responseHeaders().contains("Sec-WebSocket-Accept")).isFalse();
        assertThat(accepted.responseHeaders().contains("Upgrade")).isFalse();
        assertThat(accepted.responseHeaders().contains("Content-Length")).isFalse();
        assertThat(accepted.responseHeaders().get("Sec-WebSocket-Extensions")).startsWith("permessage-deflate");
    }

    @Test
    void extendedConnectChecks() {
        assertRejected(DEFAULT.extendedConnect(connect("/ws", h2()), "webtransport"), 400, ":protocol");
        assertRejected(DEFAULT.extendedConnect(connect("/ws", h2()), null), 400, ":protocol");
        HttpHeaders noVersion = h2();
        noVersion.remove("Sec-WebSocket-Version");
        assertThat(rejected(DEFAULT.extendedConnect(connect("/ws", noVersion), "websocket")).status().code())
                .isEqualTo(426);
        assertRejected(DEFAULT.extendedConnect(connect("/nope", h2()), "websocket"), 404, "WebSocket");
        Response get = rejected(DEFAULT.extendedConnect(
                Request.of(HttpMethod.GET, "/ws", h2(), HttpProtocol.HTTP_2, CLIENT, true), "websocket"));
        assertThat(get.status().code()).isEqualTo(405);
        get.body().release();
        assertThat(DEFAULT.extendedConnect(connect("/ws", h2()), "WebSocket")).isInstanceOf(Accepted.class);
    }
}
