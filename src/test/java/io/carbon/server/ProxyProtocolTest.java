package io.carbon.server;

import io.carbon.testing.Poll;
import io.carbon.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code proxy_protocol} (issue 14): a trusted load balancer's PROXY header names the client (v1 and v2); any
 * other peer, and a connection without a valid header, is closed.
 */
class ProxyProtocolTest {

    @TempDir
    Path temp;

    private TestServer start() throws Exception {
        return TestServer.startSite(temp, Map.of("proxy_protocol", "true", "trusted_proxies", "127.0.0.1",
                "access_log_format", "json"));
    }


    /** The server may close a rejected connection before the request is written, so a reset on the write counts too. */
    private static String exchange(Socket socket, byte[] header) throws Exception {
        try {
            socket.getOutputStream().write(header);
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        } catch (SocketException reset) {
            return "";
        }
    }

    private String accessLog() throws Exception {
        return Poll.untilChecked("an access log line", () -> {
            Path log = temp.resolve("log/access.log");
            return Files.exists(log) ? Files.readString(log) : "";
        }, text -> !text.isEmpty());
    }

    @Test
    void aVersionOneHeaderFromATrustedProxyNamesTheClient() throws Exception {
        try (TestServer server = start(); Socket socket = server.connectFrom("127.0.0.1")) {
            String response = exchange(socket, "PROXY TCP4 203.0.113.9 127.0.0.1 56324 80\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(response).startsWith("HTTP/1.1 200");
        }
        assertThat(accessLog()).contains("\"remote\":\"203.0.113.9\"");
    }

    @Test
    void aVersionTwoHeaderFromATrustedProxyNamesTheClient() throws Exception {
        byte[] v2 = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, // signature
            0x21, 0x11, 0x00, 0x0C, // v2 PROXY, TCP over IPv4, 12 address bytes
            (byte) 198, 51, 100, 7, 127, 0, 0, 1, (byte) 0xC3, 0x50, 0x00, 0x50}; // 198.51.100.7:50000 -> :80
        try (TestServer server = start(); Socket socket = server.connectFrom("127.0.0.1")) {
            assertThat(exchange(socket, v2)).startsWith("HTTP/1.1 200");
        }
        assertThat(accessLog()).contains("\"remote\":\"198.51.100.7\"");
    }

    @Test
    void anUntrustedPeerOrAMissingHeaderIsClosedWithoutAnAnswer() throws Exception {
        try (TestServer server = start()) {
            try (Socket untrusted = server.connectFrom("127.0.0.2")) {
                assertThat(exchange(untrusted, "PROXY TCP4 1.2.3.4 127.0.0.1 1 80\r\n"
                        .getBytes(StandardCharsets.US_ASCII))).isEmpty();
            }
            try (Socket bare = server.connectFrom("127.0.0.1")) {
                assertThat(exchange(bare, new byte[0])).as("no PROXY header").isEmpty();
            }
            try (Socket ok = server.connectFrom("127.0.0.1")) {
                assertThat(exchange(ok, "PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII)))
                        .as("UNKNOWN keeps the proxy's own address").startsWith("HTTP/1.1 200");
            }
        }
    }
}
