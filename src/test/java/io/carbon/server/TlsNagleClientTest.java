package io.carbon.server;

import io.carbon.testing.TestServer;
import io.carbon.testing.Trust;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that leaves Nagle's algorithm on holds each small write back until the previous one is acknowledged:
 * ab its request behind its TLS 1.3 Finished, the JDK (this test) its Finished behind its ChangeCipherSpec. The
 * server writes nothing in between (BoringSSL's tickets wait for the response), so unless it acknowledges at once,
 * the kernel's delayed ACK stalls every such connection by about 40 ms (issue 18).
 */
class TlsNagleClientTest {

    private static final int CONNECTIONS = 9;

    @TempDir
    Path temp;

    @Test
    void aNagleClientsRequestIsNotHeldBackByADelayedAckOfItsFinished() throws Exception {
        try (TestServer server = TestServer.startSite(temp, Map.of(
                "use_https", "true", "https_port", "0", "enable_http2", "true",
                "ssl_cert_path", temp.resolve("cert.pem").toString(),
                "ssl_key_path", temp.resolve("key.pem").toString()))) {
            SSLContext trust = Trust.pem(temp.resolve("cert.pem"));
            int port = server.server().httpsPort();
            exchange(trust, port); // the server's code paths compiled a little
            long[] millis = new long[CONNECTIONS];
            for (int i = 0; i < CONNECTIONS; i++) {
                millis[i] = exchange(trust, port);
            }
            Arrays.sort(millis);
            // Each one stalled 40 ms or more before (41-46 ms here); a few now, even on a busy machine.
            assertThat(millis[CONNECTIONS / 2])
                    .as("median milliseconds from handshake to response, of %s", Arrays.toString(millis))
                    .isLessThan(30);
        }
    }

    /**
     * One connection as ab makes it: TCP_NODELAY off, TLS 1.3, an HTTP/1.0 request, read to the end.
     *
     * @return milliseconds from the client's end of the handshake to the first byte of the response: the stall,
     *         without the client's own handshake computation
     */
    private static long exchange(SSLContext trust, int port) throws Exception {
        try (Socket tcp = new Socket()) {
            tcp.setTcpNoDelay(false);
            tcp.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            tcp.setSoTimeout(10_000);
            try (SSLSocket tls = (SSLSocket) trust.getSocketFactory().createSocket(tcp, "localhost", port, true)) {
                SSLParameters parameters = tls.getSSLParameters();
                parameters.setProtocols(new String[] {"TLSv1.3"});
                parameters.setApplicationProtocols(new String[] {"http/1.1"});
                tls.setSSLParameters(parameters);
                tls.startHandshake();
                long handshaken = System.nanoTime();
                tls.getOutputStream().write("GET /index.html HTTP/1.0\r\nHost: localhost\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                tls.getOutputStream().flush();
                InputStream in = tls.getInputStream();
                int first = in.read();
                long millis = (System.nanoTime() - handshaken) / 1_000_000;
                String response = (char) first + new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                assertThat(response).startsWith("HTTP/1.1 200 ").endsWith("hello\n");
                return millis;
            }
        }
    }
}
