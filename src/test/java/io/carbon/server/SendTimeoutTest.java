package io.carbon.server;

import io.carbon.testing.Poll;
import io.carbon.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code send_timeout} (issue 14): a client that asks for a large file and never reads is disconnected, freeing
 * the connection; one that reads slowly but steadily is not.
 */
class SendTimeoutTest {

    private static final long SIZE = 64L << 20;

    @TempDir
    Path temp;

    private TestServer start(String sendTimeout, String... tls) throws Exception {
        Path www = Files.createDirectories(temp.resolve("www"));
        try (RandomAccessFile file = new RandomAccessFile(www.resolve("big.bin").toFile(), "rw")) {
            file.setLength(SIZE); // sparse: 64 MiB of zeros at no cost
        }
        return TestServer.start(www, Files.createDirectories(temp.resolve("log")),
                Map.of("send_timeout", sendTimeout, "header_timeout", "60s", "keep_alive_timeout", "60s"));
    }

    private static Socket request(int port) throws Exception {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress("127.0.0.1", port));
        socket.getOutputStream().write("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return socket;
    }

    /** Reads until the end of the connection; what arrived. */
    private static long drain(InputStream in) throws Exception {
        long total = 0;
        byte[] buffer = new byte[1 << 16];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                total += n;
            }
        } catch (SocketException reset) {
            // the server closed with data still unread: a reset, as good as an end here
        }
        return total;
    }

    @Test
    void aClientThatNeverReadsIsDisconnectedAfterTheSendTimeout() throws Exception {
        try (TestServer server = start("1s"); Socket socket = request(server.port())) {
            Poll.until("the connection is open", () -> server.server().openConnections() == 1);
            // The stimulus: the client reads nothing. The server must give up on its own.
            Poll.until("the server closed the stalled connection", () -> server.server().openConnections() == 0);
            socket.setSoTimeout(10_000);
            assertThat(drain(socket.getInputStream())).as("the body was never completed").isLessThan(SIZE);
        }
    }

    @Test
    void aSlowButSteadyReaderIsNotDisconnected() throws Exception {
        try (TestServer server = start("1s"); Socket socket = request(server.port())) {
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            byte[] piece = new byte[256 * 1024];
            long read = 0;
            long until = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < until) {
                read += Math.max(0, in.readNBytes(piece, 0, piece.length));
                Thread.sleep(100); // the stimulus: a slow line (2.5 MB/s here), but one that keeps taking bytes
            }
            assertThat(server.server().openConnections()).as("still connected after 3 send timeouts").isEqualTo(1);
            assertThat(read).isPositive();
        }
    }
}
