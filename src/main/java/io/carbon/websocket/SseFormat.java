package io.carbon.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;

/**
 * The text/event-stream format (HTML Living Standard, "Server-sent events" §9.2.5): an event is an {@code id:}
 * line, one {@code data:} line per line of the message (CR LF, CR and LF all end a line, so each becomes its
 * own {@code data:} line and the client joins them with LF), and an empty line. Comments start with ':'.
 */
final class SseFormat {

    /** Sent first, so the response starts at once and a client sees the stream open. */
    static final byte[] PRELUDE = ": carbon channel\n\n".getBytes(StandardCharsets.US_ASCII);
    /** Sent when no event came for sse_heartbeat, so proxies do not close an idle response. */
    static final byte[] HEARTBEAT = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);

    private SseFormat() {
    }

    static ByteBuf heartbeat(ByteBufAllocator alloc) {
        return alloc.buffer(HEARTBEAT.length).writeBytes(HEARTBEAT);
    }

    /** Appends one event for a text message (valid UTF-8, so splitting at CR and LF bytes is safe). */
    static void event(ByteBuf out, long id, ByteBuf text) {
        out.writeBytes(ID).writeCharSequence(Long.toString(id), StandardCharsets.US_ASCII);
        out.writeByte('\n');
        int end = text.writerIndex();
        int lineStart = text.readerIndex();
        for (int i = lineStart; i < end; i++) {
            byte b = text.getByte(i);
            if (b == '\n' || b == '\r') {
                data(out, text, lineStart, i);
                if (b == '\r' && i + 1 < end && text.getByte(i + 1) == '\n') {
                    i++;
                }
                lineStart = i + 1;
            }
        }
        data(out, text, lineStart, end);
        out.writeByte('\n');
    }

    private static void data(ByteBuf out, ByteBuf text, int from, int to) {
        out.writeBytes(DATA).writeBytes(text, from, to - from);
        out.writeByte('\n');
    }
}
