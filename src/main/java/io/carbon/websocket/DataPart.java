package io.carbon.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * A piece of a data message as it came off the wire: part of a frame's payload, already unmasked. Pieces are
 * handed on as they arrive, so a message is validated (UTF-8) and bounded while it is still coming in. The
 * flags describe the message, not the frame: {@code first} is the first piece of its first frame, {@code last}
 * the last piece of its final frame (FIN).
 */
final class DataPart extends DefaultByteBufHolder {

    private final boolean text;
    private final boolean compressed;
    private final boolean first;
    private final boolean last;

    DataPart(boolean text, boolean compressed, boolean first, boolean last, ByteBuf content) {
        super(content);
        this.text = text;
        this.compressed = compressed;
        this.first = first;
        this.last = last;
    }

    /** A text message (opcode 1); otherwise binary (opcode 2). */
    boolean text() {
        return text;
    }

    /** The message was sent with RSV1 under permessage-deflate (RFC 7692 §6). */
    boolean compressed() {
        return compressed;
    }

    boolean first() {
        return first;
    }

    boolean last() {
        return last;
    }
}
