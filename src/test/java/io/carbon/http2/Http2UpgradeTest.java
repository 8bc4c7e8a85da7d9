package io.carbon.http2;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code Upgrade: h2c} from HTTP/1.1 with the JDK's client (it speaks h2c only that way): the upgraded request
 * is answered over HTTP/2 on stream 1 (RFC 7540 §3.2), later requests share the connection.
 */
class Http2UpgradeTest {

    @TempDir
    static Path dir;
    static H2TestServer server;
    static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        server = new H2TestServer(dir, true);
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        client = null; // Java 17 has no HttpClient.close(); closing the server ends its connection.
        server.close();
    }

    private static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).timeout(Duration.ofSeconds(10));
    }

    @Test
    void upgradedRequestAndFollowersAreAnsweredOverHttp2() throws Exception {
        HttpResponse<String> small = client.send(request("/small").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(small.version()).as("the upgraded request is answered over h2").isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(small.statusCode()).isEqualTo(200);
        assertThat(small.body()).isEqualTo(H2TestServer.SMALL);
        assertThat(small.headers().firstValue("content-length")).hasValue(String.valueOf(H2TestServer.SMALL.length()));
        assertThat(small.headers().firstValue("server")).hasValue("Carbon");
        assertThat(small.headers().firstValue("date")).isPresent();
        assertThat(small.headers().firstValue("x-content-type-options")).hasValue("nosniff");
        assertThat(small.headers().firstValue("x-frame-options")).hasValue("SAMEORIGIN");
        assertThat(small.headers().firstValue("referrer-policy")).hasValue("strict-origin-when-cross-origin");
        assertThat(small.headers().firstValue("content-security-policy")).hasValue("default-src 'self'");

        HttpResponse<byte[]> file = client.send(request("/file").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(file.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(file.body()).isEqualTo(server.fileContent);
        assertThat(file.headers().firstValue("content-length")).hasValue(String.valueOf(H2TestServer.FILE_SIZE));

        HttpResponse<byte[]> head = client.send(request("/file").method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("content-length")).hasValue(String.valueOf(H2TestServer.FILE_SIZE));

        HttpResponse<String> missing = client.send(request("/nope").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("404 Not Found");
        assertThat(missing.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");

        List<CompletableFuture<HttpResponse<byte[]>>> concurrent = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            concurrent.add(client.sendAsync(request(i % 4 == 0 ? "/file" : "/small").build(),
                    HttpResponse.BodyHandlers.ofByteArray()));
        }
        for (int i = 0; i < concurrent.size(); i++) {
            HttpResponse<byte[]> response = concurrent.get(i).get();
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(response.body().length).isEqualTo(i % 4 == 0 ? H2TestServer.FILE_SIZE : H2TestServer.SMALL.length());
        }
        assertThat(server.connections).as("everything went over the one upgraded connection").hasSize(1);
        assertThat(server.awaitCompleted(44)).hasSize(44);
    }
}
