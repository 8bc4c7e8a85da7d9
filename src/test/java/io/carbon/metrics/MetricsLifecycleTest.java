package io.carbon.metrics;

import io.carbon.testing.Poll;
import io.carbon.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.carbon.metrics.MetricsEndToEndTest.admin;
import static io.carbon.metrics.MetricsEndToEndTest.freePort;
import static io.carbon.metrics.MetricsEndToEndTest.get;
import static io.carbon.metrics.MetricsEndToEndTest.scrape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The admin listener across a server's life: off, draining, rate limits, and a port already taken. */
class MetricsLifecycleTest {

    @TempDir
    Path temp;

    @Test
    void adminPortZeroBindsNothing() throws Exception {
        try (TestServer server = TestServer.startSite(temp, Map.of("admin_port", "0"))) {
            assertThat(server.server().adminPort()).isZero();
            HttpClient client = HttpClient.newHttpClient();
            assertThat(get(client, server.uri("/metrics")).statusCode()).isEqualTo(404);
            server.stop();
            assertThat(Files.readString(temp.resolve("log/server.log"))).doesNotContain("admin listening");
        }
    }

    @Test
    void readinessTurns503WhenTheDrainBeginsAndTheAdminPortStaysOpenUntilItEnds() throws Exception {
        Path www = Files.createDirectories(temp.resolve("www"));
        // Larger than the socket buffers and not cached, so a client that does not read keeps it in flight.
        try (RandomAccessFile big = new RandomAccessFile(www.resolve("big.bin").toFile(), "rw")) {
            big.setLength(64L << 20);
        }
        TestServer server = TestServer.start(www, Files.createDirectories(temp.resolve("log")), Map.of(
                "admin_port", String.valueOf(freePort()), "shutdown_timeout", "3s"));
        HttpClient client = HttpClient.newHttpClient();
        assertThat(get(client, admin(server, "/readyz")).body()).isEqualTo("ready\n");
        try (Socket slow = new Socket("127.0.0.1", server.port())) {
            slow.setReceiveBufferSize(4096);
            OutputStream out = slow.getOutputStream();
            out.write("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            slow.getInputStream().read(); // the response has started; now it stalls
            CompletableFuture<Void> shutdown = CompletableFuture.runAsync(server::stop);
            HttpResponse<String> draining = Poll.until("/readyz says draining", () -> {
                try {
                    return get(client, admin(server, "/readyz"));
                } catch (Exception e) {
                    throw new AssertionError("the admin port closed before the drain ended", e);
                }
            }, response -> response.statusCode() == 503);
            assertThat(draining.body()).isEqualTo("draining\n");
            assertThat(shutdown).isNotDone();
            assertThat(get(client, admin(server, "/healthz")).statusCode()).isEqualTo(200);
            shutdown.join();
        }
        assertThatThrownBy(() -> new Socket("127.0.0.1", server.server().adminPort()).close())
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void rateLimitedRequestsAreCountedAndScrapesAreNotLimited() throws Exception {
        try (TestServer server = TestServer.startSite(temp, Map.of("admin_port", String.valueOf(freePort()),
                "rate_limit_requests", "1", "rate_limit_burst", "1", "rate_limit_allowlist", ""))) {
            HttpClient client = HttpClient.newHttpClient();
            int limited = 0;
            for (int i = 0; i < 4; i++) {
                if (get(client, server.uri("/")).statusCode() == 429) {
                    limited++;
                }
            }
            assertThat(limited).isEqualTo(3);
            for (int i = 0; i < 3; i++) {
                scrape(server);
            }
            int expected = limited;
            Exposition metrics = Poll.until("the 429s counted", () -> scrape(server),
                    now -> now.value("carbon_http_requests_total", "protocol", "HTTP/1.1", "status_class", "4xx")
                            == expected);
            assertThat(metrics.value("carbon_rate_limited_requests_total")).isEqualTo(3);
        }
    }

    @Test
    void anAdminPortInUseIsAStartupError() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> TestServer.startSite(temp, Map.of("admin_port",
                    String.valueOf(taken.getLocalPort()))))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort() + " (admin_port)");
        }
    }
}
