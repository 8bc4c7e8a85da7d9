package io.carbon.metrics;

import io.carbon.testing.Poll;
import io.carbon.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin listener and the metrics end to end, on a real server with TLS, HTTP/2, WebSockets and the admin
 * port: what the endpoints answer, and that counters move by exactly what clients did.
 */
class MetricsEndToEndTest {

    @TempDir
    static Path temp;
    static TestServer server;
    static HttpClient plain;
    static HttpClient tls;

    @BeforeAll
    static void start() throws Exception {
        Path www = Files.createDirectories(temp.resolve("www"));
        Files.writeString(www.resolve("index.html"), "hello\n");
        Files.writeString(www.resolve("again.txt"), "again and again\n");
        Path cert = temp.resolve("ssl/cert.pem");
        server = TestServer.start(www, Files.createDirectories(temp.resolve("log")), Map.of(
                "use_https", "true",
                "https_port", "0",
                "enable_http2", "true",
                "enable_websocket", "true",
                "ssl_cert_path", cert.toString(),
                "ssl_key_path", temp.resolve("ssl/key.pem").toString(),
                // Long enough that a first request slowed by warm-up (MIME detection) leaves a fresh entry.
                "cache_revalidate_ms", "60000",
                "admin_port", String.valueOf(freePort())));
        plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        tls = HttpClient.newBuilder().sslContext(trusting(cert)).version(HttpClient.Version.HTTP_2).build();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    /** A port free a moment ago (admin_port = 0 means off, so tests pick one). */
    static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    static SSLContext trusting(Path pem) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            int i = 0;
            for (var certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("c" + i++, certificate);
            }
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    static URI admin(TestServer on, String path) {
        return URI.create("http://127.0.0.1:" + on.server().adminPort() + path);
    }

    static HttpResponse<String> get(HttpClient client, URI uri) throws Exception {
        return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static Exposition scrape(TestServer on) {
        try {
            HttpResponse<String> response = get(HttpClient.newHttpClient(), admin(on, "/metrics"));
            assertThat(response.statusCode()).isEqualTo(200);
            return Exposition.parse(response.body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private URI https(String path) {
        return URI.create("https://127.0.0.1:" + server.server().httpsPort() + path);
    }

    @Test
    void healthAndReadinessAnswerOnTheAdminPort() throws Exception {
        HttpResponse<String> health = get(plain, admin(server, "/healthz"));
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("ok\n");
        assertThat(health.headers().firstValue("cache-control")).hasValue("no-store");
        HttpResponse<String> ready = get(plain, admin(server, "/readyz"));
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).isEqualTo("ready\n");
        HttpResponse<String> head = plain.send(HttpRequest.newBuilder(admin(server, "/healthz"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(get(plain, admin(server, "/")).statusCode()).isEqualTo(404);
        assertThat(get(plain, admin(server, "/index.html")).statusCode()).isEqualTo(404);
        assertThat(get(plain, admin(server, "/metrics/")).statusCode()).isEqualTo(404);
        HttpResponse<String> post = plain.send(HttpRequest.newBuilder(admin(server, "/metrics"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    @Test
    void metricsAreThePrometheusTextFormat() throws Exception {
        HttpResponse<String> response = get(plain, admin(server, "/metrics"));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type"))
                .hasValue("text/plain; version=0.0.4; charset=utf-8");
        Exposition metrics = Exposition.parse(response.body());
        assertThat(metrics.type("carbon_http_requests_total")).isEqualTo("counter");
        assertThat(metrics.type("carbon_http_request_duration_seconds")).isEqualTo("histogram");
        assertThat(metrics.type("carbon_connections_open")).isEqualTo("gauge");
        assertThat(metrics.has("carbon_http_requests_total", "protocol", "HTTP/2.0", "status_class", "5xx")).isTrue();
        assertThat(metrics.value("carbon_jvm_memory_used_bytes", "area", "heap")).isPositive();
        assertThat(metrics.value("carbon_jvm_threads")).isPositive();
        assertThat(metrics.value("carbon_http_request_duration_seconds_bucket", "le", "+Inf"))
                .isEqualTo(metrics.value("carbon_http_request_duration_seconds_count"));
        assertThat(metrics.sampleNames()).allMatch(name -> name.startsWith("carbon_"));
        // Scrapes are neither logged nor counted as requests.
        double before = metrics.value("carbon_http_requests_total", "protocol", "HTTP/1.1", "status_class", "2xx");
        scrape(server);
        assertThat(scrape(server).value("carbon_http_requests_total", "protocol", "HTTP/1.1", "status_class", "2xx"))
                .isEqualTo(before);
        assertThat(Files.readString(temp.resolve("log/access.log"))).doesNotContain("/metrics");
    }

    @Test
    void requestsAreCountedByProtocolAndStatusClassWithTheirBytes() throws Exception {
        Exposition before = scrape(server);
        Map<String, Integer> sent = new HashMap<>();
        Map<String, Long> bodyBytes = new HashMap<>();
        for (int i = 0; i < 3; i++) {
            record(get(plain, server.uri("/index.html")), sent, bodyBytes);
        }
        for (int i = 0; i < 2; i++) {
            record(get(plain, server.uri("/no-such-file")), sent, bodyBytes);
        }
        for (int i = 0; i < 4; i++) {
            record(get(tls, https("/index.html")), sent, bodyBytes);
        }
        record(get(tls, https("/missing")), sent, bodyBytes);
        HttpResponse<String> post = plain.send(HttpRequest.newBuilder(server.uri("/index.html"))
                .POST(HttpRequest.BodyPublishers.ofString("0123456789")).build(), HttpResponse.BodyHandlers.ofString());
        record(post, sent, bodyBytes);
        assertThat(sent).containsEntry("HTTP/1.1 2xx", 3).containsEntry("HTTP/1.1 4xx", 3)
                .containsEntry("HTTP/2.0 2xx", 4).containsEntry("HTTP/2.0 4xx", 1);

        Exposition after = Poll.until("the requests counted", () -> scrape(server),
                now -> delta(before, now, "HTTP/1.1", "4xx") >= 3 && delta(before, now, "HTTP/2.0", "4xx") >= 1
                        && delta(before, now, "HTTP/1.1", "2xx") >= 3 && delta(before, now, "HTTP/2.0", "2xx") >= 4);
        for (String protocol : new String[] {"HTTP/1.1", "HTTP/2.0"}) {
            for (String statusClass : Metrics.STATUS_CLASSES) {
                assertThat(delta(before, after, protocol, statusClass)).as(protocol + " " + statusClass)
                        .isEqualTo((double) sent.getOrDefault(protocol + " " + statusClass, 0));
            }
            assertThat(after.value("carbon_http_response_body_bytes_total", "protocol", protocol)
                    - before.value("carbon_http_response_body_bytes_total", "protocol", protocol))
                    .as(protocol + " response bytes").isEqualTo((double) bodyBytes.get(protocol));
        }
        assertThat(after.value("carbon_http_request_body_bytes_total", "protocol", "HTTP/1.1")
                - before.value("carbon_http_request_body_bytes_total", "protocol", "HTTP/1.1")).isEqualTo(10);
        assertThat(after.value("carbon_http_request_duration_seconds_count")
                - before.value("carbon_http_request_duration_seconds_count")).isEqualTo(11);
        assertThat(after.value("carbon_http_responses_by_coding_total", "coding", "identity")
                - before.value("carbon_http_responses_by_coding_total", "coding", "identity")).isEqualTo(11);
        assertThat(after.value("carbon_connections_negotiated_total", "transport", "tls", "protocol", "h2"))
                .isGreaterThanOrEqualTo(1);
        assertThat(after.value("carbon_tls_handshakes_total")).isGreaterThanOrEqualTo(1);
    }

    private static void record(HttpResponse<String> response, Map<String, Integer> sent, Map<String, Long> bytes) {
        String protocol = response.version() == HttpClient.Version.HTTP_2 ? "HTTP/2.0" : "HTTP/1.1";
        sent.merge(protocol + " " + (response.statusCode() / 100) + "xx", 1, Integer::sum);
        bytes.merge(protocol, (long) response.body().getBytes(StandardCharsets.UTF_8).length, Long::sum);
    }

    private static double delta(Exposition before, Exposition after, String protocol, String statusClass) {
        return after.value("carbon_http_requests_total", "protocol", protocol, "status_class", statusClass)
                - before.value("carbon_http_requests_total", "protocol", protocol, "status_class", statusClass);
    }

    @Test
    void aRepeatedGetIsACacheHit() throws Exception {
        Exposition before = scrape(server);
        assertThat(get(plain, server.uri("/again.txt")).statusCode()).isEqualTo(200);
        assertThat(get(plain, server.uri("/again.txt")).statusCode()).isEqualTo(200);
        Exposition after = scrape(server);
        assertThat(after.value("carbon_file_cache_misses_total") - before.value("carbon_file_cache_misses_total"))
                .isEqualTo(1);
        assertThat(after.value("carbon_file_cache_hits_total") - before.value("carbon_file_cache_hits_total"))
                .isEqualTo(1);
        assertThat(after.value("carbon_file_cache_bytes")).isPositive();
        assertThat(after.value("carbon_file_cache_entries")).isPositive();
    }

    @Test
    void webSocketSessionsAndMessagesAreCounted() throws Exception {
        Exposition before = scrape(server);
        CompletableFuture<String> echoed = new CompletableFuture<>();
        WebSocket socket = plain.newWebSocketBuilder().buildAsync(
                URI.create("ws://127.0.0.1:" + server.port() + "/ws"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        echoed.complete(data.toString());
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        Poll.until("one WebSocket session", () -> scrape(server), now -> now.value("carbon_websocket_sessions") == 1);
        socket.sendText("ping", true);
        assertThat(echoed.get(10, TimeUnit.SECONDS)).isEqualTo("ping");
        Exposition open = scrape(server);
        assertThat(open.value("carbon_websocket_messages_received_total")
                - before.value("carbon_websocket_messages_received_total")).isEqualTo(1);
        assertThat(open.value("carbon_websocket_messages_sent_total")
                - before.value("carbon_websocket_messages_sent_total")).isEqualTo(1);
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        Poll.until("no WebSocket session", () -> scrape(server), now -> now.value("carbon_websocket_sessions") == 0);
    }

    @Test
    void sseSubscribersAreCountedWhileSubscribed() throws Exception {
        HttpResponse<InputStream> stream = plain.send(HttpRequest.newBuilder(server.uri("/ws/channels/news"))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        Exposition subscribed = Poll.until("one SSE subscriber", () -> scrape(server),
                now -> now.value("carbon_sse_subscribers") == 1);
        assertThat(subscribed.value("carbon_channels")).isEqualTo(1);
        stream.body().close(); // the client leaves: the stream ends and unsubscribes
        Poll.until("no SSE subscriber", () -> scrape(server),
                now -> now.value("carbon_sse_subscribers") == 0 && now.value("carbon_channels") == 0);
    }

    @Test
    void plainTextOnTheTlsPortIsAFailedHandshake() throws Exception {
        Exposition before = scrape(server);
        try (Socket socket = new Socket("127.0.0.1", server.server().httpsPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            socket.getInputStream().readAllBytes(); // until the server closes
        }
        Exposition after = Poll.until("the failed handshake counted", () -> scrape(server),
                now -> now.value("carbon_tls_handshake_failures_total")
                        > before.value("carbon_tls_handshake_failures_total"));
        assertThat(after.value("carbon_tls_handshake_failures_total")
                - before.value("carbon_tls_handshake_failures_total")).isEqualTo(1);
        assertThat(after.value("carbon_connections_accepted_total", "transport", "tls")
                - before.value("carbon_connections_accepted_total", "transport", "tls")).isEqualTo(1);
    }

    @Test
    void theAdminEndpointsAreNotOnTheMainPorts() throws Exception {
        assertThat(get(plain, server.uri("/metrics")).statusCode()).isEqualTo(404);
        assertThat(get(plain, server.uri("/healthz")).statusCode()).isEqualTo(404);
        assertThat(get(tls, https("/readyz")).statusCode()).isEqualTo(404);
    }
}
