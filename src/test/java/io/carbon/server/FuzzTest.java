package io.carbon.server;

import io.carbon.testing.Poll;
import io.carbon.testing.RawH2;
import io.carbon.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random and mutated input on every protocol (issue 14), bounded in count and time so CI stays fast: mutated
 * HTTP/1.1 requests, random HTTP/2 frames after a valid preface, random WebSocket frames after a valid
 * handshake. Whatever the server makes of them, it must answer a normal request afterwards and give back every
 * connection; the leak detector (PARANOID in tests) fails the class on any leaked buffer. The seed is fixed, so
 * a failure can be replayed.
 */
class FuzzTest {

    private static final long SEED = 0xCA2B0EL;
    private static final long BUDGET_NANOS = 15_000_000_000L;
    private static final String REQUEST = "POST /ws/channels/fuzz?x=1 HTTP/1.1\r\nHost: a\r\n"
            + "Transfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
            + "GET /index.html HTTP/1.1\r\nHost: a\r\nRange: bytes=0-2\r\nAccept-Encoding: br, gzip\r\n\r\n";

    @TempDir
    Path temp;

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port));
        socket.setSoTimeout(300);
        return socket;
    }

    /** Sends {@code bytes}, reads whatever comes back for a moment, and hangs up. */
    private static void throwAt(int port, byte[]... parts) {
        try (Socket socket = connect(port)) {
            OutputStream out = socket.getOutputStream();
            for (byte[] part : parts) {
                out.write(part);
            }
            InputStream in = socket.getInputStream();
            byte[] sink = new byte[8192];
            while (in.read(sink) >= 0) {
                // drain until the server closes or the short timeout
            }
        } catch (IOException expected) {
            // resets and timeouts are fine: the server may refuse garbage any way it likes
        }
    }

    private static byte[] mutate(byte[] input, Random random) {
        byte[] bytes = input.clone();
        int edits = 1 + random.nextInt(8);
        for (int i = 0; i < edits; i++) {
            int at = random.nextInt(bytes.length);
            switch (random.nextInt(4)) {
                case 0 -> bytes[at] = (byte) random.nextInt(256);
                case 1 -> bytes[at] = (byte) "\r\n :\0\t;,".charAt(random.nextInt(8));
                case 2 -> {
                    byte[] shorter = new byte[bytes.length - 1];
                    System.arraycopy(bytes, 0, shorter, 0, at);
                    System.arraycopy(bytes, at + 1, shorter, at, bytes.length - at - 1);
                    bytes = shorter.length > 0 ? shorter : bytes;
                }
                default -> {
                    byte[] longer = new byte[bytes.length + 1];
                    System.arraycopy(bytes, 0, longer, 0, at);
                    longer[at] = bytes[random.nextInt(bytes.length)];
                    System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
                    bytes = longer;
                }
            }
        }
        return bytes;
    }

    private static byte[] randomH2Frames(Random random) {
        ByteBuffer frames = ByteBuffer.allocate(1 << 16);
        frames.put(RawH2.PREFACE).put(RawH2.encodeFrame(RawH2.SETTINGS, 0, 0, new byte[0]));
        int count = 1 + random.nextInt(12);
        for (int i = 0; i < count && frames.remaining() > 2048; i++) {
            byte[] payload = new byte[random.nextInt(64)];
            random.nextBytes(payload);
            int type = random.nextInt(11); // DATA .. CONTINUATION, plus unknown 10
            int flags = random.nextInt(256);
            int stream = random.nextBoolean() ? 1 + 2 * random.nextInt(4) : random.nextInt(8);
            frames.put(RawH2.encodeFrame(type, flags, stream, payload));
        }
        byte[] bytes = new byte[frames.position()];
        frames.flip().get(bytes);
        return bytes;
    }

    private static byte[] randomWebSocketFrames(Random random) {
        ByteBuffer frames = ByteBuffer.allocate(1 << 15);
        int count = 1 + random.nextInt(8);
        for (int i = 0; i < count; i++) {
            int length = random.nextInt(140);
            frames.put((byte) random.nextInt(256)); // FIN, RSV bits and opcode at random
            frames.put((byte) (0x80 | Math.min(length, 125))); // masked, as a client must
            byte[] mask = new byte[4];
            random.nextBytes(mask);
            frames.put(mask);
            byte[] payload = new byte[Math.min(length, 125)];
            random.nextBytes(payload);
            frames.put(payload);
        }
        byte[] bytes = new byte[frames.position()];
        frames.flip().get(bytes);
        return bytes;
    }

    private static String normalRequest(int port) throws IOException {
        try (Socket socket = connect(port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET /index.html HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            return response.substring(0, response.indexOf('\r'));
        }
    }

    @Test
    void randomAndMutatedInputOnEveryProtocolLeavesTheServerServing() throws Exception {
        try (TestServer server = TestServer.startSite(temp, Map.of("enable_http2", "true",
                "enable_websocket", "true", "header_timeout", "1s", "rate_limit_allowlist", "127.0.0.0/8"))) {
            int port = server.port();
            Random random = new Random(SEED);
            byte[] request = REQUEST.getBytes(StandardCharsets.ISO_8859_1);
            byte[] handshake = ("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            long deadline = System.nanoTime() + BUDGET_NANOS;
            int cases = 0;
            for (int round = 0; round < 150 && System.nanoTime() < deadline; round++) {
                throwAt(port, mutate(request, random));
                throwAt(port, randomH2Frames(random));
                throwAt(port, handshake, randomWebSocketFrames(random));
                cases += 3;
            }
            assertThat(cases).as("cases run within the time budget").isPositive();
            Poll.until("every fuzzed connection given back", () -> server.server().openConnections() == 0);
            assertThat(normalRequest(port)).isEqualTo("HTTP/1.1 200 OK");
        }
    }
}
