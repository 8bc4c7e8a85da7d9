package io.carbon.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A deliberately dumb HTTP/2 client over a raw socket, for what real clients refuse to send: frames are
 * encoded by hand (RFC 9113 §4.1, the 9-byte header), header blocks with Netty's HPACK encoder. Reads are
 * bounded by a socket timeout. Answers SETTINGS with ACK and, unless told otherwise, returns the bytes of
 * every DATA frame to flow control at once.
 */
public final class RawH2 implements AutoCloseable {

    public static final int DATA = 0, HEADERS = 1, PRIORITY = 2, RST_STREAM = 3, SETTINGS = 4, PUSH_PROMISE = 5,
            PING = 6, GOAWAY = 7, WINDOW_UPDATE = 8, CONTINUATION = 9;
    public static final int END_STREAM = 0x1, ACK = 0x1, END_HEADERS = 0x4;
    public static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** One frame as read; {@code headers} is the decoded block of a HEADERS frame. */
    public record Frame(int type, int flags, int stream, byte[] payload, Http2Headers headers) {
        public boolean endStream() {
            return (flags & END_STREAM) != 0 && (type == DATA || type == HEADERS);
        }

        /** The error code of RST_STREAM or GOAWAY. */
        public long errorCode() {
            ByteBuffer buffer = ByteBuffer.wrap(payload);
            return Integer.toUnsignedLong(type == GOAWAY ? buffer.getInt(4) : buffer.getInt(0));
        }
    }

    /** A response read off one stream. */
    public record Response(Http2Headers headers, byte[] body) {
        public int status() {
            return Integer.parseInt(headers.status().toString());
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
    private final Map<Integer, Long> serverSettings = new HashMap<>();
    private boolean autoWindowUpdate = true;

    public RawH2(String host, int port) throws IOException {
        socket = new Socket(host, port);
        socket.setSoTimeout(5_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Sends the preface and an empty SETTINGS, then reads until the server's SETTINGS arrived (and ACKs it). */
    public RawH2 handshake() throws IOException {
        send(PREFACE);
        frame(SETTINGS, 0, 0, new byte[0]);
        while (serverSettings.isEmpty()) {
            Frame frame = next();
            if (frame == null || frame.type() == GOAWAY) {
                throw new IOException("no server SETTINGS: " + frame);
            }
        }
        return this;
    }

    /** The server's SETTINGS (identifier -> value), as received in its preface. */
    public Map<Integer, Long> serverSettings() {
        return serverSettings;
    }

    /** How long one read waits for the server (5 s unless set). */
    public RawH2 timeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
        return this;
    }

    /** Off: DATA is not acknowledged with WINDOW_UPDATE, so the server stalls on flow control. */
    public RawH2 autoWindowUpdate(boolean on) {
        this.autoWindowUpdate = on;
        return this;
    }

    public RawH2 send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    public RawH2 frame(int type, int flags, int stream, byte[] payload) throws IOException {
        return send(encodeFrame(type, flags, stream, payload));
    }

    public static byte[] encodeFrame(int type, int flags, int stream, byte[] payload) {
        ByteBuffer frame = ByteBuffer.allocate(9 + payload.length);
        frame.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
        frame.put((byte) type).put((byte) flags).putInt(stream & 0x7fffffff).put(payload);
        return frame.array();
    }

    /** The HPACK block for {@code headers} (the encoder's dynamic table advances: send it). */
    public byte[] encode(Http2Headers headers) throws IOException {
        ByteBuf block = Unpooled.buffer();
        try {
            encoder.encodeHeaders(1, headers, block);
            byte[] bytes = new byte[block.readableBytes()];
            block.readBytes(bytes);
            return bytes;
        } catch (Http2Exception e) {
            throw new IOException(e);
        } finally {
            block.release();
        }
    }

    public RawH2 headers(int stream, Http2Headers headers, boolean endStream) throws IOException {
        return frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, encode(headers));
    }

    public RawH2 data(int stream, byte[] data, boolean endStream) throws IOException {
        return frame(DATA, endStream ? END_STREAM : 0, stream, data);
    }

    public RawH2 settings(int... idValuePairs) throws IOException {
        ByteBuffer payload = ByteBuffer.allocate(idValuePairs.length / 2 * 6);
        for (int i = 0; i < idValuePairs.length; i += 2) {
            payload.putShort((short) idValuePairs[i]).putInt(idValuePairs[i + 1]);
        }
        return frame(SETTINGS, 0, 0, payload.array());
    }

    public RawH2 windowUpdate(int stream, int increment) throws IOException {
        return frame(WINDOW_UPDATE, 0, stream, ByteBuffer.allocate(4).putInt(increment).array());
    }

    public RawH2 rst(int stream, int code) throws IOException {
        return frame(RST_STREAM, 0, stream, ByteBuffer.allocate(4).putInt(code).array());
    }

    /** The next frame, or null when the server closed the connection. */
    public Frame next() throws IOException {
        byte[] head = new byte[9];
        try {
            in.readFully(head);
        } catch (EOFException | SocketException e) {
            return null;
        }
        int length = (head[0] & 0xff) << 16 | (head[1] & 0xff) << 8 | (head[2] & 0xff);
        int type = head[3] & 0xff;
        int flags = head[4] & 0xff;
        int stream = ByteBuffer.wrap(head, 5, 4).getInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        Http2Headers decoded = null;
        if (type == HEADERS) {
            decoded = decode(stream, flags, payload);
        } else if (type == SETTINGS && (flags & ACK) == 0) {
            ByteBuffer settings = ByteBuffer.wrap(payload);
            while (settings.remaining() >= 6) {
                serverSettings.put(settings.getShort() & 0xffff, Integer.toUnsignedLong(settings.getInt()));
            }
            quietly(encodeFrame(SETTINGS, ACK, 0, new byte[0]));
        } else if (type == DATA && autoWindowUpdate && length > 0) {
            quietly(encodeFrame(WINDOW_UPDATE, 0, 0, ByteBuffer.allocate(4).putInt(length).array()));
            if ((flags & END_STREAM) == 0) {
                quietly(encodeFrame(WINDOW_UPDATE, 0, stream, ByteBuffer.allocate(4).putInt(length).array()));
            }
        }
        return new Frame(type, flags, stream, payload, decoded);
    }

    /** Automatic answers may meet a connection the server already closed; the next read tells. */
    private void quietly(byte[] frame) {
        try {
            send(frame);
        } catch (IOException ignored) {
            // The read that follows sees the end of the connection.
        }
    }

    private Http2Headers decode(int stream, int flags, byte[] payload) throws IOException {
        if ((flags & END_HEADERS) == 0) {
            throw new IOException("test client does not read CONTINUATION");
        }
        int offset = 0;
        int padding = 0;
        if ((flags & 0x8) != 0) {
            padding = payload[0] & 0xff;
            offset = 1;
        }
        if ((flags & 0x20) != 0) {
            offset += 5;
        }
        ByteBuf block = Unpooled.wrappedBuffer(payload, offset, payload.length - offset - padding);
        try {
            return decoder.decodeHeaders(stream, block);
        } catch (Http2Exception e) {
            throw new IOException("server sent an undecodable header block", e);
        } finally {
            block.release();
        }
    }

    /** Reads frames until {@code stream} ended; fails on its RST_STREAM, a GOAWAY or the end of the connection. */
    public Response response(int stream) throws IOException {
        Http2Headers headers = null;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            Frame frame = next();
            if (frame == null) {
                throw new IOException("connection closed before stream " + stream + " ended");
            }
            if (frame.type() == GOAWAY && frame.errorCode() != 0) {
                throw new IOException("GOAWAY " + frame.errorCode());
            }
            if (frame.stream() != stream) {
                continue;
            }
            if (frame.type() == RST_STREAM) {
                throw new IOException("RST_STREAM " + frame.errorCode() + " on stream " + stream);
            }
            if (frame.type() == HEADERS && frame.headers().status() != null
                    && frame.headers().status().charAt(0) == '1') {
                continue;
            }
            if (frame.type() == HEADERS && headers == null) {
                headers = frame.headers();
            } else if (frame.type() == DATA) {
                body.write(frame.payload());
            }
            if (frame.endStream()) {
                return new Response(headers, body.toByteArray());
            }
        }
    }

    /** Reads until a frame of {@code type} (on {@code stream}, or any stream when negative); null at the end. */
    public Frame await(int type, int stream) throws IOException {
        while (true) {
            Frame frame = next();
            if (frame == null || (frame.type() == type && (stream < 0 || frame.stream() == stream))) {
                return frame;
            }
            if (frame.type() == GOAWAY) {
                throw new IOException("GOAWAY " + frame.errorCode() + " while waiting for type " + type);
            }
        }
    }

    /** Reads until GOAWAY (returned) or the end of the connection (null). */
    public Frame awaitGoAway() throws IOException {
        while (true) {
            Frame frame = next();
            if (frame == null || frame.type() == GOAWAY) {
                return frame;
            }
        }
    }

    /** True when the server closed the connection (reads EOF, after any frames still in flight). */
    public boolean closedByServer() throws IOException {
        while (true) {
            Frame frame = next();
            if (frame == null) {
                return true;
            }
        }
    }

    @Override
    public void close() throws IOException {
        encoder.close();
        socket.close();
    }
}
