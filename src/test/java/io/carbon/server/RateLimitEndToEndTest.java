package io.carbon.server;

import io.carbon.testing.Poll;
import io.carbon.testing.RawH2;
import io.carbon.testing.RawHttp;
import io.carbon.testing.TestServer;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request rate limit is a decorator of the route table, so it counts every exchange of every protocol,
 * WebSocket handshakes included, and answers 429 with Retry-After and the RateLimit fields (issue 14).
 */
class RateLimitEndToEndTest {

    @TempDir
    Path temp;

    /** Five requests a minute, all at once if the client likes; loopback is not allowlisted here. */
    private TestServer start() throws Exception {
        return TestServer.startSite(temp, Map.of(
                "rate_limit_requests", "5", "rate_limit_window", "60s", "rate_limit_burst", "5",
                "rate_limit_allowlist", "", "enable_http2", "true", "enable_websocket", "true"));
    }

    private static final String GET = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

    @Test
    void http1RequestsOverTheBudgetGet429WithRetryAfterAndTheRateLimitFields() throws Exception {
        try (TestServer server = start(); RawHttp raw = server.raw()) {
            for (int i = 0; i < 5; i++) {
                assertThat(raw.send(GET).read().status()).as("request %d", i + 1).isEqualTo(200);
            }
            RawHttp.Reply limited = raw.send(GET).read();
            assertThat(limited.status()).isEqualTo(429);
            assertThat(Long.parseLong(limited.header("retry-after"))).isBetween(1L, 12L);
            assertThat(limited.header("ratelimit-policy")).isEqualTo("\"default\";q=5;w=60");
            assertThat(limited.header("ratelimit")).startsWith("\"default\";r=0;t=");
            assertThat(limited.text()).contains("Too many requests");
            assertThat(limited.header("connection")).as("the connection stays usable").isNull();
            assertThat(raw.send(GET).read().status()).isEqualTo(429);
        }
    }

    @Test
    void http2StreamsAndWebSocketHandshakesCountAgainstTheSameBudget() throws Exception {
        try (TestServer server = start()) {
            try (RawH2 client = new RawH2("127.0.0.1", server.port()).handshake()) {
                for (int stream = 1; stream <= 9; stream += 2) {
                    client.headers(stream, new DefaultHttp2Headers(false).method("GET").scheme("http").path("/")
                            .authority("localhost"), true);
                    assertThat(client.response(stream).status()).isEqualTo(200);
                }
                client.headers(11, new DefaultHttp2Headers(false).method("GET").scheme("http").path("/")
                        .authority("localhost"), true);
                assertThat(client.response(11).status()).isEqualTo(429);
            }
            try (RawHttp raw = server.raw()) {
                RawHttp.Reply handshake = raw.send("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
                        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        + "Sec-WebSocket-Version: 13\r\n\r\n").read();
                assertThat(handshake.status()).as("an upgrade is an exchange of the route table").isEqualTo(429);
            }
        }
    }

    @Test
    void behindATrustedProxyEachForwardedClientHasItsOwnBudgetAndASpoofFromElsewhereIsIgnored() throws Exception {
        try (TestServer server = TestServer.startSite(temp, Map.of(
                "rate_limit_requests", "5", "rate_limit_burst", "5", "rate_limit_allowlist", "",
                "trusted_proxies", "127.0.0.1"))) {
            try (RawHttp proxy = server.raw()) { // from 127.0.0.1: trusted
                for (int i = 0; i < 5; i++) {
                    assertThat(proxy.send(forwarded("203.0.113.9")).read().status()).isEqualTo(200);
                }
                assertThat(proxy.send(forwarded("203.0.113.9")).read().status()).isEqualTo(429);
                assertThat(proxy.send(forwarded("203.0.113.10")).read().status()).as("another client").isEqualTo(200);
            }
            try (java.net.Socket socket = server.connectFrom("127.0.0.2")) { // not trusted
                java.io.InputStream in = socket.getInputStream();
                for (int i = 0; i < 6; i++) {
                    socket.getOutputStream().write(forwarded("198.51.100." + i)
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    String status = statusOf(in);
                    assertThat(status).as("request %d with a new spoofed address", i + 1)
                            .isEqualTo(i < 5 ? "200" : "429");
                }
            }
        }
    }

    private static String forwarded(String client) {
        return "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: " + client + "\r\n\r\n";
    }

    /** Reads one response with a Content-Length body; its status code. */
    private static String statusOf(java.io.InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) in.read());
        }
        String text = head.toString().toLowerCase(java.util.Locale.ROOT);
        int at = text.indexOf("content-length:");
        int length = Integer.parseInt(text.substring(at + 15, text.indexOf('\r', at)).trim());
        in.readNBytes(length);
        return text.substring(9, 12);
    }

    @Test
    void theServerLogNamesALimitedClientOncePerWindowNotPerRequest() throws Exception {
        try (TestServer server = start(); RawHttp raw = server.raw()) {
            for (int i = 0; i < 25; i++) {
                raw.send(GET).read();
            }
            Path log = temp.resolve("log/server.log");
            String text = Poll.untilChecked("a rate-limit line in the server log", () -> Files.readString(log),
                    t -> t.contains("rate limited 127.0.0.1"));
            assertThat(text.split("rate limited 127.0.0.1", -1)).as("one line for 20 refusals").hasSize(2);
        }
    }
}
