package io.carbon.server;

import io.carbon.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tls_handshake_timeout}: a client that connects to the TLS port and never finishes is closed (issue 14). */
class TlsHandshakeTimeoutTest {

    @TempDir
    Path temp;

    @Test
    void aHandshakeThatNeverCompletesIsClosedAtItsOwnTimeoutNotTheHeaderTimeout() throws Exception {
        try (TestServer server = TestServer.startSite(temp, Map.of(
                "use_https", "true", "https_port", "0", "tls_handshake_timeout", "500ms", "header_timeout", "60s",
                "ssl_cert_path", temp.resolve("cert.pem").toString(),
                "ssl_key_path", temp.resolve("key.pem").toString()));
             Socket socket = new Socket("127.0.0.1", server.server().httpsPort())) {
            // The first bytes of a TLS record, and then nothing: the handshake cannot go on.
            socket.getOutputStream().write(new byte[] {0x16, 0x03, 0x01});
            socket.setSoTimeout(20_000); // far beyond 500 ms, far below the 60 s header timeout
            InputStream in = socket.getInputStream();
            int read;
            try {
                read = in.read();
                while (read != -1) {
                    read = in.read(); // an alert may come first
                }
            } catch (SocketException reset) {
                read = -1;
            }
            assertThat(read).as("closed by the server").isEqualTo(-1);
        }
    }
}
