package io.carbon.websocket;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

import java.util.List;

/**
 * Compresses outgoing text and binary messages under permessage-deflate (RFC 7692 §7.2.1), marking them with
 * RSV1. Carbon sends every message as one final frame, so a frame is a message. Control frames pass untouched
 * (§6: they are never compressed), and so do tiny messages and, when the client asked for a window smaller than
 * 32 KiB, messages longer than that window (a sender may leave any message uncompressed; below
 * {@value #MIN_SIZE} bytes deflate only adds bytes). Per-connection handler (not sharable).
 */
final class MessageDeflater extends MessageToMessageEncoder<WebSocketFrame> {

    static final int MIN_SIZE = 64;
    private static final int RSV1 = 0x4;

    private final DeflaterPool pool;
    private final int maxSize;

    /** @param maxSize the longest message to compress ({@link DeflateParameters#maxCompressedMessage()}) */
    MessageDeflater(DeflaterPool pool, int maxSize) {
        super(WebSocketFrame.class);
        this.pool = pool;
        this.maxSize = maxSize;
    }

    @Override
    public boolean acceptOutboundMessage(Object msg) throws Exception {
        if (!(msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame)) {
            return false;
        }
        WebSocketFrame frame = (WebSocketFrame) msg;
        int size = frame.content().readableBytes();
        return frame.isFinalFragment() && frame.rsv() == 0 && size >= MIN_SIZE && size <= maxSize;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
        var compressed = pool.compress(ctx.alloc(), frame.content());
        out.add(frame instanceof TextWebSocketFrame
                ? new TextWebSocketFrame(true, RSV1, compressed)
                : new BinaryWebSocketFrame(true, RSV1, compressed));
    }
}
