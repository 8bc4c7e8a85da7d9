package io.carbon.http1;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.List;

/**
 * Netty's request decoder, made strict where RFC 9112 lets a server choose: a request carrying both
 * Content-Length and Transfer-Encoding is refused (§6.1: "MAY reject ... as a request smuggling defense")
 * instead of having its Content-Length silently dropped.
 *
 * <p>It also tells whether bytes of a request head have arrived that do not make a whole head yet
 * ({@link #headStarted()}): the header timeout runs from the first byte of a head, and only a head that was
 * started deserves a 408; an idle keep-alive connection is closed silently. Netty keeps its parser state
 * private, so this is read off what each decode step consumed and produced.
 */
final class StrictRequestDecoder extends HttpRequestDecoder {

    static final String BOTH_LENGTHS = "both Content-Length and Transfer-Encoding";

    /** Between a message's head and its last content: bytes now are body bytes, not a head. */
    private boolean inMessage;
    private boolean headStarted;

    StrictRequestDecoder(HttpDecoderConfig config) {
        super(config);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        message.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(BOTH_LENGTHS)));
        super.handleTransferEncodingChunkedWithContentLength(message);
    }

    /**
     * Netty's decoder returns after every step that completes a message, so the bytes a step consumes
     * without producing a head, outside a message, belong to the next head (leading empty lines included,
     * RFC 9112 §2.2).
     */
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        int produced = out.size();
        int before = buffer.readableBytes();
        super.decode(ctx, buffer, out);
        boolean progressed = false;
        for (int i = produced; i < out.size(); i++) {
            Object message = out.get(i);
            if (message instanceof HttpMessage) {
                inMessage = true;
                progressed = true;
            }
            if (message instanceof LastHttpContent) {
                inMessage = false;
                progressed = true;
            }
        }
        if (progressed || inMessage) {
            headStarted = false;
        } else if (buffer.readableBytes() < before || buffer.isReadable()) {
            headStarted = true;
        }
    }

    /** True while part of a request head has arrived and the rest has not. */
    boolean headStarted() {
        return headStarted && !inMessage;
    }
}
