package io.carbon.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;

import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decompresses the messages of one connection under permessage-deflate (RFC 7692 §7.2.2): the pieces of a
 * message are raw DEFLATE data, and the four bytes {@code 00 00 FF FF} the sender stripped are put back after
 * the last piece. Pieces are inflated as they arrive (a piece may yield nothing yet, which is fine), and the
 * output of a message is bounded as it is produced, so a small "zip bomb" never becomes more than
 * {@code maxMessageBytes + 1} bytes of memory before it is refused with 1009.
 *
 * <p>The inflater is created on the first compressed message (a connection that never sends one costs nothing)
 * and keeps the client's LZ77 window between messages unless client_no_context_takeover was agreed (§7.1.1.2).
 * Event-loop confined; {@link #close()} frees the native zlib state.
 */
final class MessageInflater {

    private static final byte[] TAIL = {0x00, 0x00, (byte) 0xFF, (byte) 0xFF};

    private final int maxMessageBytes;
    private final boolean resetAfterEachMessage;
    private Inflater inflater;

    MessageInflater(int maxMessageBytes, boolean clientNoContextTakeover) {
        this.maxMessageBytes = maxMessageBytes;
        this.resetAfterEachMessage = clientNoContextTakeover;
    }

    /**
     * @param compressed  one piece of a compressed message; not released here
     * @param last        the message ends with this piece
     * @param alreadyOut  decompressed bytes of this message before this piece
     * @return the decompressed bytes of this piece (possibly empty), owned by the caller
     * @throws CorruptedWebSocketFrameException 1009 when the message grows too large, 1007 for invalid data
     */
    ByteBuf inflate(ByteBufAllocator alloc, ByteBuf compressed, boolean last, long alreadyOut) {
        if (inflater == null) {
            inflater = new Inflater(true);
        }
        long allowed = maxMessageBytes - alreadyOut;
        // One byte more than allowed is the cheapest proof that the message is too large.
        int cap = (int) Math.min(allowed + 1, Integer.MAX_VALUE - 8);
        ByteBuf out = alloc.buffer((int) Math.min(cap, Math.max(256L, compressed.readableBytes() * 4L)), cap);
        try {
            run(compressed.nioBuffer(), out, cap, false);
            if (last) {
                run(ByteBuffer.wrap(TAIL), out, cap, true);
                if (resetAfterEachMessage || inflater.finished()) {
                    // A sender that ended its DEFLATE stream (BFINAL) starts a new one with the next message.
                    inflater.reset();
                }
            }
            if (out.readableBytes() > allowed) {
                throw tooBig();
            }
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    private void run(ByteBuffer input, ByteBuf out, int cap, boolean tail) {
        if (inflater.finished()) {
            if (tail) {
                return; // the tail after a final block carries nothing
            }
            if (input.hasRemaining()) {
                throw invalid("data after the end of the DEFLATE stream");
            }
        }
        inflater.setInput(input);
        try {
            while (true) {
                if (out.writableBytes() == 0) {
                    if (out.capacity() >= cap) {
                        throw tooBig();
                    }
                    out.ensureWritable(Math.min(out.capacity(), cap - out.capacity()));
                }
                ByteBuffer target = out.nioBuffer(out.writerIndex(), out.writableBytes());
                int n = inflater.inflate(target);
                out.writerIndex(out.writerIndex() + n);
                if (inflater.finished()) {
                    if (input.hasRemaining() && !tail) {
                        throw invalid("data after the end of the DEFLATE stream");
                    }
                    return;
                }
                if (inflater.needsDictionary()) {
                    throw invalid("DEFLATE data asks for a preset dictionary");
                }
                if (n == 0 && inflater.needsInput()) {
                    return;
                }
                if (n == 0 && out.isWritable()) {
                    throw invalid("DEFLATE data makes no progress"); // zlib always progresses with input and room
                }
            }
        } catch (DataFormatException e) {
            throw invalid("invalid DEFLATE data: " + e.getMessage());
        } finally {
            // Never keep a reference to the caller's buffer once this piece is done.
            inflater.setInput(EMPTY);
        }
    }

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private CorruptedWebSocketFrameException tooBig() {
        return new CorruptedWebSocketFrameException(WebSocketCloseStatus.MESSAGE_TOO_BIG,
                "message larger than " + maxMessageBytes + " bytes");
    }

    private static CorruptedWebSocketFrameException invalid(String reason) {
        // RFC 7692 §7.2.2 says to fail the connection; 1007 is "data not consistent with the message type".
        return new CorruptedWebSocketFrameException(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, reason);
    }

    /** Frees the native zlib state. */
    void close() {
        if (inflater != null) {
            inflater.end();
            inflater = null;
        }
    }
}
