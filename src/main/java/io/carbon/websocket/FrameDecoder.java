package io.carbon.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;

import java.util.List;

/**
 * Reads client frames (RFC 6455 §5.2) from raw bytes. Data frames are handed on piece by piece as their bytes
 * arrive ({@link DataPart}), so nothing waits for a whole frame: invalid UTF-8 fails the connection at the byte
 * where it appears and memory is not held for a frame that will be refused anyway. Control frames (at most 125
 * bytes) are handed on whole as Netty's Ping/Pong/Close frames.
 *
 * <p>Netty's {@code WebSocket13FrameDecoder} is not used because it buffers every frame whole, bounds frames
 * rather than messages, and validates close codes with its own list; this decoder reports every violation as a
 * {@link CorruptedWebSocketFrameException} carrying the close code (1002, or 1009 for size) and lets the
 * session be the only place that writes Close frames. After an error or a Close frame it discards the rest of
 * the input (§5.5.1: nothing may follow a Close).
 */
final class FrameDecoder extends ByteToMessageDecoder {

    static final int CONTINUATION = 0x0;
    static final int TEXT = 0x1;
    static final int BINARY = 0x2;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    static final int PONG = 0xA;

    private static final int RSV1 = 0x4;

    private enum State { HEADER, PAYLOAD, DISCARD }

    private final long maxMessageBytes;
    private final long maxCompressedBytes;
    private final boolean deflate;

    private State state = State.HEADER;
    // The frame being read.
    private int opcode;
    private boolean fin;
    private long remaining;
    private int mask;
    /** Position of the next payload byte within the 4-byte masking key. */
    private int maskIndex;
    // The data message being read (it may span several frames).
    private boolean inMessage;
    private boolean messageText;
    private boolean messageCompressed;
    private boolean firstPart;
    private long messageWireBytes;

    /**
     * @param maxMessageBytes the largest message (1009 beyond); for compressed messages the compressed bytes
     *                        are bounded a little above it (incompressible data grows slightly) and the
     *                        decompressed size is bounded by the inflater
     * @param deflate         permessage-deflate was negotiated: RSV1 is allowed on a message's first frame
     */
    FrameDecoder(int maxMessageBytes, boolean deflate) {
        this.maxMessageBytes = maxMessageBytes;
        // Deflate's stored blocks add 5 bytes per 64 KiB; 1/64 + 1 KiB leaves room for any real compressor.
        this.maxCompressedBytes = maxMessageBytes + maxMessageBytes / 64L + 1024;
        this.deflate = deflate;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case HEADER -> readHeader(in, out);
            case PAYLOAD -> readPayload(ctx, in, out);
            default -> in.skipBytes(in.readableBytes());
        }
    }

    private void readHeader(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 2) {
            return;
        }
        int at = in.readerIndex();
        int b0 = in.getUnsignedByte(at);
        int b1 = in.getUnsignedByte(at + 1);
        boolean finalFrame = (b0 & 0x80) != 0;
        int rsv = (b0 >> 4) & 0x7;
        int op = b0 & 0x0F;
        boolean masked = (b1 & 0x80) != 0;
        int length7 = b1 & 0x7F;
        // Checked as soon as the first two bytes are in, before waiting for the rest of the header.
        if (op != CONTINUATION && op != TEXT && op != BINARY && op != CLOSE && op != PING && op != PONG) {
            throw violation(in, "reserved opcode " + op); // §5.2: 3-7 and B-F are reserved
        }
        boolean control = op >= CLOSE;
        if (control) {
            // §5.5: control frames are never fragmented and carry at most 125 bytes.
            if (!finalFrame) {
                throw violation(in, "fragmented control frame");
            }
            if (length7 > 125) {
                throw violation(in, "control frame longer than 125 bytes");
            }
            if (rsv != 0) {
                throw violation(in, "RSV bit set on a control frame");
            }
            if (op == CLOSE && length7 == 1) {
                throw violation(in, "close frame with a 1-byte payload"); // §5.5.1: a code is 2 bytes
            }
        } else {
            // §5.4: a continuation needs a message to continue; a new message must wait for the last one's FIN.
            if (op == CONTINUATION && !inMessage) {
                throw violation(in, "continuation frame without a message to continue");
            }
            if (op != CONTINUATION && inMessage) {
                throw violation(in, "new data frame before the fragmented message ended");
            }
            // §5.2: RSV bits need an extension that defines them; RFC 7692 §6 gives RSV1 to the first frame only.
            if ((rsv & ~RSV1) != 0) {
                throw violation(in, "RSV2 or RSV3 set");
            }
            if ((rsv & RSV1) != 0 && !deflate) {
                throw violation(in, "RSV1 set without permessage-deflate");
            }
            if ((rsv & RSV1) != 0 && op == CONTINUATION) {
                throw violation(in, "RSV1 set on a continuation frame");
            }
        }
        if (!masked) {
            throw violation(in, "client frames must be masked"); // §5.1
        }
        int extended = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
        int headerLength = 2 + extended + 4;
        if (in.readableBytes() < headerLength) {
            return;
        }
        long length = length7;
        if (length7 == 126) {
            length = in.getUnsignedShort(at + 2);
            if (length < 126) {
                throw violation(in, "frame length not in its shortest form"); // §5.2
            }
        } else if (length7 == 127) {
            length = in.getLong(at + 2);
            if (length < 0) {
                throw violation(in, "64-bit frame length with the most significant bit set"); // §5.2
            }
            if (length <= 0xFFFF) {
                throw violation(in, "frame length not in its shortest form");
            }
        }
        if (!control) {
            boolean compressed = op == CONTINUATION ? messageCompressed : (rsv & RSV1) != 0;
            long sofar = op == CONTINUATION ? messageWireBytes : 0;
            long limit = compressed ? maxCompressedBytes : maxMessageBytes;
            if (length > limit - sofar) {
                throw fail(in, WebSocketCloseStatus.MESSAGE_TOO_BIG,
                        "message larger than " + maxMessageBytes + " bytes");
            }
            if (op != CONTINUATION) {
                inMessage = true;
                messageText = op == TEXT;
                messageCompressed = compressed;
                messageWireBytes = 0;
                firstPart = true;
            }
        }
        mask = in.getInt(at + headerLength - 4);
        in.skipBytes(headerLength);
        opcode = op;
        fin = finalFrame;
        remaining = length;
        maskIndex = 0;
        state = State.PAYLOAD;
        // An empty frame is complete now: hand it on while bytes were consumed (ByteToMessageDecoder insists).
        if (remaining == 0) {
            if (control) {
                emitControl(Unpooled.EMPTY_BUFFER, out);
            } else {
                emitData(Unpooled.EMPTY_BUFFER, out); // it may be the one with FIN
            }
        }
    }

    private void readPayload(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (opcode >= CLOSE) {
            if (in.readableBytes() < remaining) {
                return;
            }
            ByteBuf payload = unmaskedCopy(ctx, in, (int) remaining);
            remaining = 0;
            emitControl(payload, out);
            return;
        }
        int n = (int) Math.min(remaining, in.readableBytes());
        if (n == 0) {
            return;
        }
        ByteBuf chunk = unmaskedCopy(ctx, in, n);
        remaining -= n;
        messageWireBytes += n;
        emitData(chunk, out);
    }

    private void emitControl(ByteBuf payload, List<Object> out) {
        switch (opcode) {
            case PING -> out.add(new PingWebSocketFrame(payload));
            case PONG -> out.add(new PongWebSocketFrame(payload));
            default -> out.add(new CloseWebSocketFrame(true, 0, payload));
        }
        state = opcode == CLOSE ? State.DISCARD : State.HEADER;
    }

    private void emitData(ByteBuf chunk, List<Object> out) {
        boolean endOfFrame = remaining == 0;
        boolean last = endOfFrame && fin;
        out.add(new DataPart(messageText, messageCompressed, firstPart, last, chunk));
        firstPart = false;
        if (endOfFrame) {
            state = State.HEADER;
            if (fin) {
                inMessage = false;
            }
        }
    }

    /** Copies {@code n} payload bytes out of the cumulation and removes the client's mask (§5.3). */
    private ByteBuf unmaskedCopy(ChannelHandlerContext ctx, ByteBuf in, int n) {
        if (n == 0) {
            return Unpooled.EMPTY_BUFFER;
        }
        ByteBuf chunk = ctx.alloc().buffer(n);
        chunk.writeBytes(in, n);
        // The key rotated so that its first byte applies to this chunk's first byte.
        int key = Integer.rotateLeft(mask, 8 * maskIndex);
        int i = chunk.readerIndex();
        int end = chunk.writerIndex();
        for (; i + 3 < end; i += 4) {
            chunk.setInt(i, chunk.getInt(i) ^ key);
        }
        for (int shift = 24; i < end; i++, shift -= 8) {
            chunk.setByte(i, chunk.getByte(i) ^ (key >>> shift));
        }
        maskIndex = (maskIndex + n) & 3;
        return chunk;
    }

    private CorruptedWebSocketFrameException violation(ByteBuf in, String reason) {
        return fail(in, WebSocketCloseStatus.PROTOCOL_ERROR, reason);
    }

    private CorruptedWebSocketFrameException fail(ByteBuf in, WebSocketCloseStatus status, String reason) {
        state = State.DISCARD;
        in.skipBytes(in.readableBytes());
        return new CorruptedWebSocketFrameException(status, reason);
    }
}
