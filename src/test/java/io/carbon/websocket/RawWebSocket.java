package io.carbon.websocket;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * A deliberately dumb WebSocket client over a raw socket, for frames real clients refuse to send: every frame is
 * built by hand (RFC 6455 §5.2), masked or not, with any opcode, RSV bits and length encoding, and may be written
 * in pieces with pauses so the server reads it across several TCP reads. Reads are bounded by a socket timeout.
 */
final class RawWebSocket implements AutoCloseable {

    static final int CONT = 0x0, TEXT = 0x1, BINARY = 0x2, CLOSE = 0x8, PING = 0x9, PONG = 0xA;

    /** One frame as the server sent it. */
    record Frame(boolean fin, int rsv, int opcode, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The status code of a Close frame, or -1 when it has none. */
        int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : -1;
        }

        String closeReason() {
            return payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final Random random = new Random(7);
    final int status;
    final Map<String, String> headers;

    private RawWebSocket(Socket socket, int status, Map<String, String> headers, DataInputStream in) throws IOException {
        this.socket = socket;
        this.in = in;
        this.out = socket.getOutputStream();
        this.status = status;
        this.headers = headers;
    }

    static RawWebSocket connect(int port, String path) throws IOException {
        return connect(port, path, Map.of(), -1);
    }

    /**
     * Sends the opening handshake with {@code extra} headers and reads the response head.
     *
     * @param receiveBuffer the socket's receive buffer (small = a client that cannot take much), or -1
     */
    static RawWebSocket connect(int port, String path, Map<String, String> extra, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(5_000);
        StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n");
        extra.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        request.append("\r\n");
        socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
        DataInputStream in = new DataInputStream(socket.getInputStream());
        String statusLine = line(in);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = line(in); !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        if (status != 101 && headers.containsKey("content-length")) {
            in.readNBytes(Integer.parseInt(headers.get("content-length")));
        }
        return new RawWebSocket(socket, status, headers, in);
    }

    private static String line(DataInputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new EOFException("connection closed in the response head");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    /** A frame's bytes: masked with a random key unless {@code masked} is false; lengths in shortest form. */
    byte[] frame(boolean fin, int rsv, int opcode, boolean masked, byte[] payload) {
        return frame(fin, rsv, opcode, masked, payload, -1);
    }

    /** @param lengthBytes force 0, 2 or 8 extended length bytes (-1 = shortest form) */
    byte[] frame(boolean fin, int rsv, int opcode, boolean masked, byte[] payload, int lengthBytes) {
        return encode(fin, rsv, opcode, masked, payload, lengthBytes, random);
    }

    /** A frame's bytes (RFC 6455 §5.2), masked with a key from {@code random} when {@code masked}. */
    static byte[] encode(boolean fin, int rsv, int opcode, boolean masked, byte[] payload, int lengthBytes,
                         java.util.Random random) {
        int n = payload.length;
        int extended = lengthBytes >= 0 ? lengthBytes : n < 126 ? 0 : n <= 0xFFFF ? 2 : 8;
        ByteBuffer frame = ByteBuffer.allocate(2 + extended + (masked ? 4 : 0) + n);
        frame.put((byte) ((fin ? 0x80 : 0) | (rsv << 4) | opcode));
        int maskBit = masked ? 0x80 : 0;
        if (extended == 0) {
            frame.put((byte) (maskBit | n));
        } else if (extended == 2) {
            frame.put((byte) (maskBit | 126)).putShort((short) n);
        } else {
            frame.put((byte) (maskBit | 127)).putLong(n);
        }
        byte[] key = new byte[4];
        if (masked) {
            random.nextBytes(key);
            frame.put(key);
        }
        for (int i = 0; i < n; i++) {
            frame.put((byte) (payload[i] ^ (masked ? key[i % 4] : 0)));
        }
        return frame.array();
    }

    RawWebSocket send(boolean fin, int opcode, byte[] payload) throws IOException {
        return sendRaw(frame(fin, 0, opcode, true, payload));
    }

    RawWebSocket sendText(String text) throws IOException {
        return send(true, TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    RawWebSocket sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Writes {@code bytes} in pieces of {@code piece} bytes with a pause, so the server reads them separately. */
    RawWebSocket sendInPieces(byte[] bytes, int piece, long pauseMillis) throws Exception {
        for (int i = 0; i < bytes.length; i += piece) {
            out.write(bytes, i, Math.min(piece, bytes.length - i));
            out.flush();
            Thread.sleep(pauseMillis); // the stimulus: the pieces arrive in separate TCP reads
        }
        return this;
    }

    /** A Close frame with {@code code} (or none when -1) and a raw reason. */
    RawWebSocket sendClose(int code, byte[] reason) throws IOException {
        byte[] payload;
        if (code < 0) {
            payload = new byte[0];
        } else {
            payload = new byte[2 + reason.length];
            payload[0] = (byte) (code >> 8);
            payload[1] = (byte) code;
            System.arraycopy(reason, 0, payload, 2, reason.length);
        }
        return send(true, CLOSE, payload);
    }

    Frame read() throws IOException {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        long length = b1 & 0x7F;
        if (length == 126) {
            length = in.readUnsignedShort();
        } else if (length == 127) {
            length = in.readLong();
        }
        if ((b1 & 0x80) != 0) {
            throw new IOException("the server masked a frame");
        }
        byte[] payload = in.readNBytes((int) length);
        if (payload.length != length) {
            throw new EOFException("connection closed inside a frame");
        }
        return new Frame((b0 & 0x80) != 0, (b0 >> 4) & 7, b0 & 0x0F, payload);
    }

    /** The next frame that is not a Ping (idle pings may come at any time in slow tests). */
    Frame readSkippingPings() throws IOException {
        Frame frame;
        do {
            frame = read();
        } while (frame.opcode() == PING);
        return frame;
    }

    /** Reads frames until a Close arrives; returns its code. */
    int awaitClose() throws IOException {
        while (true) {
            Frame frame = read();
            if (frame.opcode() == CLOSE) {
                return frame.closeCode();
            }
        }
    }

    /** True when the server closed the TCP connection (EOF or reset) within the timeout. */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    void timeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
