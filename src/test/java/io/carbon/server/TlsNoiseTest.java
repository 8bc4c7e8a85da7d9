package io.carbon.server;

import io.carbon.testing.Poll;
import io.carbon.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLParameters;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client can make a TLS connection fail before ALPN whenever it likes (reset after its ClientHello, plain
 * HTTP on the TLS port), so that must not produce a WARN in the server log, nor anything of Netty's on
 * standard output or standard error: at most a verbose line.
 */
class TlsNoiseTest {

    @TempDir
    Path temp;

    private TestServer start(boolean verbose) throws Exception {
        Path www = Files.createDirectories(temp.resolve("www"));
        Files.writeString(www.resolve("index.html"), "tls\n");
        return TestServer.start(www, Files.createDirectories(temp.resolve("log")), Map.of(
                "use_https", "true",
                "https_port", "0",
                "enable_http2", "true",
                "verbose", String.valueOf(verbose),
                "ssl_cert_path", temp.resolve("ssl/cert.pem").toString(),
                "ssl_key_path", temp.resolve("ssl/key.pem").toString()));
    }

    @Test
    void clientsThatGoAwayBeforeAlpnLeaveNoWarningAndNothingOnTheConsole() throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(console, true, StandardCharsets.UTF_8);
        PrintStream out = System.out;
        PrintStream err = System.err;
        int startupLines;
        try (TestServer server = start(false)) {
            startupLines = startupLines();
            SSLContext trust = TlsAndHttp2EndToEndTest.trusting(temp.resolve("ssl/cert.pem"));
            System.setOut(capture);
            System.setErr(capture);
            try {
                for (int i = 0; i < 5; i++) {
                    helloThenReset(trust, server.server().httpsPort());
                    plainHttpOnTheTlsPort(server.server().httpsPort());
                }
                Poll.until("every connection to be closed", () -> server.server().openConnections(), n -> n == 0);
            } finally {
                System.setOut(out);
                System.setErr(err);
            }
        }
        List<String> log = Files.readAllLines(temp.resolve("log/server.log"));
        assertThat(log.subList(startupLines, log.size())).noneMatch(line -> line.matches("\\S+ (WARN|ERROR) .*"));
        String printed = console.toString(StandardCharsets.UTF_8);
        assertThat(printed).doesNotContainIgnoringCase("netty")
                .doesNotContain("application-level protocol")
                .doesNotContain("exceptionCaught");
    }

    @Test
    void aVerboseLogNamesThePeerThatReset() throws Exception {
        try (TestServer server = start(true)) {
            int startupLines = startupLines();
            SSLContext trust = TlsAndHttp2EndToEndTest.trusting(temp.resolve("ssl/cert.pem"));
            int clientPort = helloThenReset(trust, server.server().httpsPort());
            Path file = temp.resolve("log/server.log");
            String failure = "127.0.0.1:" + clientPort + " failed before ALPN";
            Poll.untilChecked("the server log to say: " + failure, () -> Files.readString(file),
                    text -> text.contains(failure));
            List<String> log = Files.readAllLines(file);
            assertThat(log.subList(startupLines, log.size())).noneMatch(line -> line.matches("\\S+ (WARN|ERROR) .*"));
        }
    }

    /** Lines the server logged while starting (one WARN among them: the self-signed certificate). */
    private int startupLines() throws Exception {
        return Files.readAllLines(temp.resolve("log/server.log")).size();
    }

    /**
     * Sends a real ClientHello (offering h2 and http/1.1), reads the server's whole first flight, then resets
     * the connection instead of sending Finished: the server is waiting to read and sees the reset there.
     *
     * @return the client's local port, which the server knows the peer by
     */
    private static int helloThenReset(SSLContext trust, int port) throws Exception {
        SSLEngine engine = trust.createSSLEngine("localhost", port);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"h2", "http/1.1"});
        engine.setSSLParameters(parameters);
        int size = engine.getSession().getPacketBufferSize();
        ByteBuffer netOut = ByteBuffer.allocate(size);
        ByteBuffer netIn = ByteBuffer.allocate(4 * size);
        ByteBuffer app = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(10_000);
            OutputStream toServer = socket.getOutputStream();
            InputStream fromServer = socket.getInputStream();
            engine.beginHandshake();
            engine.wrap(ByteBuffer.allocate(0), netOut);
            toServer.write(netOut.array(), 0, netOut.position());
            toServer.flush();
            // Unwrap until the engine wants to answer: then it has the server's whole flight.
            byte[] chunk = new byte[size];
            while (engine.getHandshakeStatus() == HandshakeStatus.NEED_UNWRAP
                    || engine.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                if (engine.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                    for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
                        task.run();
                    }
                    continue;
                }
                netIn.flip();
                SSLEngineResult result = engine.unwrap(netIn, app);
                netIn.compact();
                if (result.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                    int n = fromServer.read(chunk);
                    assertThat(n).as("server closed during the handshake").isPositive();
                    netIn.put(chunk, 0, n);
                }
            }
            assertThat(engine.getHandshakeStatus()).isEqualTo(HandshakeStatus.NEED_WRAP);
            int localPort = socket.getLocalPort();
            socket.setSoLinger(true, 0); // close now sends RST instead of FIN
            return localPort;
        }
    }

    /** An HTTP/1.1 request where a TLS record was expected; reads until the server closes. */
    private static void plainHttpOnTheTlsPort(int port) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            byte[] request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            socket.getOutputStream().write(request);
            socket.getInputStream().readAllBytes();
        }
    }
}
