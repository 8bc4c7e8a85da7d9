package io.carbon.http3;

import io.carbon.config.ConfigLoader;
import io.carbon.config.ServerConfig;
import io.carbon.server.CarbonServer;
import io.carbon.testing.H3Client;
import io.carbon.testing.LeakDetectorExtension;
import io.carbon.testing.TestServer;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** HTTP/3 across a reload (the QUIC connection stays, the next request gets the new settings) and a shutdown. */
@ExtendWith(LeakDetectorExtension.class)
class Http3LifecycleTest {

    @TempDir
    Path dir;

    private Map<String, String> settings(String cacheControl) {
        Map<String, String> settings = new HashMap<>(Map.of(
                "use_https", "true", "https_port", "0", "enable_http3", "true", "cache_control", cacheControl,
                "ssl_cert_path", dir.resolve("ssl/cert.pem").toString(),
                "ssl_key_path", dir.resolve("ssl/key.pem").toString()));
        return settings;
    }

    @Test
    void aReloadKeepsTheQuicConnectionAndAppliesToItsNextRequest() throws Exception {
        try (TestServer server = TestServer.startSite(dir, settings("public, max-age=60"));
             H3Client client = new H3Client(server.server().http3Port())) {
            assertThat(client.get("/").header("cache-control")).isEqualTo("public, max-age=60");

            Map<String, String> next = new HashMap<>(server.settings());
            next.put("cache_control", "no-store");
            ServerConfig reloaded = new ConfigLoader(Map.of(), warning -> { }).fromSettings(next);
            CarbonServer.ReloadReport report = server.server().reload(reloaded);
            assertThat(report.applied()).contains("cache_control");

            assertThat(client.connection().isActive()).isTrue();
            assertThat(client.get("/").header("cache-control")).isEqualTo("no-store");
            try (H3Client fresh = new H3Client(server.server().http3Port())) {
                assertThat(fresh.get("/").header("cache-control")).isEqualTo("no-store");
            }
        }
    }

    @Test
    void shutdownSendsGoawayAndClosesIdleConnectionsWithoutWaitingForTheTimeout() throws Exception {
        Map<String, String> settings = settings("no-cache");
        settings.put("shutdown_timeout", "30s");
        TestServer server = TestServer.startSite(dir, settings);
        try (H3Client client = new H3Client(server.server().http3Port())) {
            assertThat(client.get("/").status()).isEqualTo(200);
            Http3ClientConnectionHandler h3 = client.connection().pipeline().get(Http3ClientConnectionHandler.class);
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(server::stop);
            client.connection().closeFuture().await(10, TimeUnit.SECONDS);
            assertThat(client.connection().isActive()).as("closed by the server").isFalse();
            assertThat(h3.isGoAwayReceived()).isTrue();
            stopped.get(10, TimeUnit.SECONDS); // well within shutdown_timeout: nothing was left to wait for
        }
        assertThat(Files.readString(dir.resolve("log/server.log"))).doesNotContain("shutdown_timeout reached");
    }
}
