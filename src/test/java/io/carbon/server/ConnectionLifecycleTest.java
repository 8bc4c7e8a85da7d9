package io.carbon.server;

import io.carbon.testing.Poll;
import io.carbon.testing.RawHttp;
import io.carbon.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Timeouts, connection bounds, the access log and graceful shutdown, each on a server of its own. */
class ConnectionLifecycleTest {

    /** Larger than loopback socket buffers, so the response is still being written when shutdown starts. */
    private static final int BIG = 32 << 20;

    @TempDir
    Path temp;

    private TestServer start(Map<String, String> settings) throws Exception {
        Path www = Files.createDirectories(temp.resolve("www"));
        Files.writeString(www.resolve("index.html"), "hello\n");
        Files.write(www.resolve("big.bin"), new byte[BIG]);
        return TestServer.start(www, Files.createDirectories(temp.resolve("log")), settings);
    }

    @Test
    void aSecondServerOnTheSamePortFailsToStartInsteadOfSharingIt() throws Exception {
        // Workers listen with SO_REUSEPORT, which alone would let a second instance join the port silently.
        try (TestServer first = start(Map.of("max_threads", "2"))) {
            assertThatThrownBy(() -> start(Map.of("port", String.valueOf(first.port()))))
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + first.port());
            assertThat(first.raw().send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
        }
    }

    @Test
    void acceptedSocketsSendSmallWritesAtOnce() throws Exception {
        // Carbon sets no child options (a system call each per connection): Netty's own default must hold.
        try (TestServer server = start(Map.of());
             RawHttp raw = server.raw()) {
            assertThat(raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
            List<io.netty.channel.Channel> connections = List.copyOf(server.server().connections());
            assertThat(connections).isNotEmpty().allSatisfy(connection ->
                    assertThat(connection.config().getOption(io.netty.channel.ChannelOption.TCP_NODELAY)).isTrue());
        }
    }

    @Test
    void aConnectionIsTakenOnlyOnceItsRequestArrives() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.netty.channel.epoll.Epoll.isAvailable(), "TCP_DEFER_ACCEPT is set on epoll");
        try (TestServer server = start(Map.of());
             RawHttp raw = server.raw()) {
            // Connected as far as the client knows, but the kernel holds it (TCP_DEFER_ACCEPT) until bytes come.
            Thread.sleep(300); // the stimulus: a connection that stays silent for a while is never taken
            assertThat(server.server().openConnections()).isZero();
            assertThat(raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
            assertThat(server.server().openConnections()).isEqualTo(1);
        }
    }

    @Test
    void everyWorkerListenerAnswersAndAllCloseOnShutdown() throws Exception {
        TestServer server = start(Map.of("max_threads", "3"));
        int port = server.port();
        // The kernel spreads connections over the three listeners by their addresses: many connections reach all.
        for (int i = 0; i < 30; i++) {
            try (RawHttp raw = server.raw()) {
                assertThat(raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
            }
        }
        server.stop();
        assertThatThrownBy(() -> new java.net.Socket("127.0.0.1", port).close())
                .isInstanceOf(java.net.ConnectException.class);
    }

    @Test
    void slowRequestHeadGets408AndIsClosed() throws Exception {
        try (TestServer server = start(Map.of("header_timeout", "300ms"));
             RawHttp raw = server.raw()) {
            RawHttp.Reply reply = raw.send("GET / HTTP/1.1\r\nHost: x\r\n").read();
            assertThat(reply.status()).isEqualTo(408);
            assertThat(reply.header("connection")).isEqualTo("close");
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void silentNewConnectionIsClosedAfterTheHeaderTimeout() throws Exception {
        try (TestServer server = start(Map.of("header_timeout", "300ms"));
             RawHttp raw = server.raw()) {
            assertThat(raw.readToEnd()).isEmpty();
        }
    }

    @Test
    void idleKeepAliveConnectionIsClosedAfterTheKeepAliveTimeout() throws Exception {
        try (TestServer server = start(Map.of("keep_alive_timeout", "300ms", "header_timeout", "5s"));
             RawHttp raw = server.raw()) {
            assertThat(raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void idleHttp2ConnectionGetsGoawayAfterTheKeepAliveTimeout() throws Exception {
        try (TestServer server = start(Map.of("enable_http2", "true", "keep_alive_timeout", "300ms"));
             Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // empty SETTINGS
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            boolean goaway = false;
            while (true) {
                byte[] header = in.readNBytes(9);
                if (header.length < 9) {
                    break; // closed by the server
                }
                int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
                in.readNBytes(length);
                goaway |= header[3] == 7;
            }
            assertThat(goaway).as("GOAWAY before close").isTrue();
        }
    }

    @Test
    void connectionsOverMaxConnectionsAreClosedAtOnceWhenNoneIsIdle() throws Exception {
        try (TestServer server = start(Map.of("max_connections", "2"));
             RawHttp first = server.raw();
             RawHttp second = server.raw()) {
            // Both busy (a body on its way), so neither can be closed to make room (ConnectionFloodTest has that);
            // the 100 Continue proves the server has read each head.
            for (RawHttp busy : List.of(first, second)) {
                assertThat(busy.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n"
                        + "Expect: 100-continue\r\n\r\n").read().status()).isEqualTo(100);
                busy.send("ab");
            }
            try (RawHttp third = server.raw()) {
                assertThat(third.closedByServer()).isTrue();
            }
            assertThat(Files.readString(temp.resolve("log/server.log"))).contains("max_connections");
        }
    }

    @Test
    void connectionsOverThePerIpLimitAreClosed() throws Exception {
        try (TestServer server = start(Map.of("max_connections_per_ip", "1"));
             RawHttp first = server.raw()) {
            assertThat(first.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
            try (RawHttp second = server.raw()) {
                assertThat(second.closedByServer()).isTrue();
            }
        }
    }

    @Test
    void accessLogHasOneCombinedLinePerRequestAndNoSecrets() throws Exception {
        TestServer server = start(Map.of());
        try (RawHttp raw = server.raw()) {
            raw.send("GET /index.html?q=1 HTTP/1.1\r\nHost: x\r\nReferer: http://ref.test/\r\n"
                    + "User-Agent: tester/1.0\r\nCookie: session=SECRET1\r\nAuthorization: Basic SECRET2\r\n\r\n").read();
            raw.send("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n").read();
        }
        server.stop();
        List<String> lines = Files.readAllLines(temp.resolve("log/access.log"));
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).matches("127\\.0\\.0\\.1 - - \\[[^]]+\\] \"GET /index.html\\?q=1 HTTP/1\\.1\" 200 6 "
                + "\"http://ref\\.test/\" \"tester/1\\.0\" \\d+\\.\\d{3}");
        assertThat(lines.get(1)).contains("\"GET /missing HTTP/1.1\" 404 ");
        assertThat(String.join("\n", lines)).doesNotContain("SECRET");
    }

    @Test
    void gracefulShutdownFinishesTheResponseInFlight() throws Exception {
        TestServer server = start(Map.of("shutdown_timeout", "10s"));
        int port = server.port();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.getOutputStream().write("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            byte[] head = in.readNBytes(64); // the response has started
            assertThat(new String(head, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
            Thread stopper = new Thread(server::stop);
            stopper.start();
            // Shutdown is under way (it stops listening first) while the body is still being written.
            Poll.until("the server to stop listening", () -> refuses(port));
            long rest = drain(in);
            stopper.join(15_000);
            // The whole body arrived although shutdown began after the first bytes.
            assertThat(64 + rest).isGreaterThan(BIG);
            assertThat(stopper.isAlive()).isFalse();
        }
        try (Socket refused = new Socket()) {
            assertThat(connects(refused, port)).isFalse();
        }
    }

    @Test
    void gracefulShutdownClosesIdleConnections() throws Exception {
        // Idle connections do not hold shutdown until the timeout: the client's socket gives up after 10 s, a
        // tenth of shutdown_timeout, so only a close at once (not the timeout's) reaches it in time.
        TestServer server = start(Map.of("shutdown_timeout", "100s"));
        try (RawHttp raw = server.raw()) {
            assertThat(raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
            Thread stopper = new Thread(server::stop);
            stopper.start();
            raw.timeout(10_000);
            assertThat(raw.closedByServer()).isTrue();
            stopper.join(60_000);
            assertThat(stopper.isAlive()).as("shutdown still waiting").isFalse();
        }
    }

    @Test
    void redirectToHttpsSendsEveryPlainRequestToTheHttpsUrl() throws Exception {
        try (TestServer server = start(Map.of("use_https", "true", "https_port", "0", "redirect_to_https", "true",
                "ssl_cert_path", temp.resolve("ssl/cert.pem").toString(),
                "ssl_key_path", temp.resolve("ssl/key.pem").toString()));
             RawHttp raw = server.raw()) {
            int httpsPort = server.server().httpsPort();
            RawHttp.Reply reply = raw.send("GET /a/b?c=d HTTP/1.1\r\nHost: example.test:8080\r\n\r\n").read();
            assertThat(reply.status()).isEqualTo(301);
            assertThat(reply.header("location")).isEqualTo("https://example.test:" + httpsPort + "/a/b?c=d");
            RawHttp.Reply v6 = raw.send("HEAD / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n").read(true);
            assertThat(v6.header("location")).isEqualTo("https://[::1]:" + httpsPort + "/");
            assertThat(reply.header("strict-transport-security")).isNull();
            // The certificate was generated because neither file existed.
            assertThat(temp.resolve("ssl/cert.pem")).exists();
            assertThat(Files.readString(temp.resolve("log/server.log"))).contains("SELF-SIGNED");
        }
    }

    private static long drain(InputStream in) throws IOException {
        long total = 0;
        byte[] buffer = new byte[65536];
        for (int n; (n = in.read(buffer)) != -1; ) {
            total += n;
        }
        return total;
    }

    /** True when a new connection to {@code port} is refused. */
    private static boolean refuses(int port) {
        try (Socket probe = new Socket()) {
            return !connects(probe, port);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean connects(Socket socket, int port) {
        try {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
