package io.carbon.server;

import io.carbon.testing.RawH2;
import io.carbon.testing.RawHttp;
import io.carbon.testing.TestServer;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One keep-alive policy for every protocol: {@code max_requests_per_connection} and {@code max_connection_age}
 * drain a connection gracefully, with {@code Connection: close} on HTTP/1.1 and GOAWAY on HTTP/2.
 */
class ConnectionRetirementTest {

    @TempDir
    Path temp;

    private TestServer start(Map<String, String> settings) throws Exception {
        return TestServer.startSite(temp, settings);
    }

    private static final String GET = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

    private static Http2Headers get() {
        return new DefaultHttp2Headers(false).method("GET").scheme("http").path("/").authority("localhost");
    }

    @Test
    void http1AnswersTheLastAllowedRequestWithConnectionCloseAndCloses() throws Exception {
        try (TestServer server = start(Map.of("max_requests_per_connection", "3"));
             RawHttp raw = server.raw()) {
            // Pipelined: the fourth is read but never answered on this connection.
            raw.send(GET + GET + GET + GET);
            assertThat(raw.read().header("connection")).isNull();
            assertThat(raw.read().header("connection")).isNull();
            RawHttp.Reply third = raw.read();
            assertThat(third.status()).isEqualTo(200);
            assertThat(third.header("connection")).isEqualTo("close");
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void http1ClosesABusyConnectionOlderThanItsMaximumAgeAfterItsNextResponse() throws Exception {
        try (TestServer server = start(Map.of("max_connection_age", "1s"));
             RawHttp raw = server.raw()) {
            long start = System.nanoTime();
            int answered = 0;
            RawHttp.Reply reply;
            do {
                // The stimulus: a client that is never idle long enough to be closed as idle.
                Thread.sleep(100);
                reply = raw.send(GET).read();
                answered++;
            } while (reply.header("connection") == null && answered < 100);
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.header("connection")).isEqualTo("close");
            assertThat(System.nanoTime() - start).as("not before the age").isGreaterThanOrEqualTo(1_000_000_000L);
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void http2SendsGoAwayNamingTheLastStreamItTakesAndFinishesIt() throws Exception {
        try (TestServer server = start(Map.of("enable_http2", "true", "max_requests_per_connection", "2"));
             RawH2 client = new RawH2("127.0.0.1", server.port()).handshake()) {
            client.headers(1, get(), true);
            assertThat(client.response(1).status()).isEqualTo(200);
            client.headers(3, get(), true);
            assertThat(client.response(3).status()).isEqualTo(200);
            RawH2.Frame goAway = client.awaitGoAway();
            assertThat(goAway).isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(0);
            assertThat(ByteBuffer.wrap(goAway.payload()).getInt() & 0x7fffffff).as("last stream id").isEqualTo(3);
        }
    }

    @Test
    void http2SendsGoAwayWhenTheConnectionIsOlderThanItsMaximumAge() throws Exception {
        try (TestServer server = start(Map.of("enable_http2", "true", "max_connection_age", "1s"));
             RawH2 client = new RawH2("127.0.0.1", server.port()).handshake()) {
            client.headers(1, get(), true);
            assertThat(client.response(1).status()).isEqualTo(200);
            RawH2.Frame goAway = client.awaitGoAway();
            assertThat(goAway).isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(0);
            assertThat(client.closedByServer()).isTrue();
        }
    }
}
