package io.carbon.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;

import java.util.List;
import java.util.function.Consumer;

/**
 * Sits in front of the HTTP/1.1 handlers on the plain port and looks at the first bytes of a connection:
 * the HTTP/2 client preface (RFC 9113 §3.4, "PRI * HTTP/2.0...") switches the connection to HTTP/2 with
 * prior knowledge; anything else leaves HTTP/1.1 (and its {@code Upgrade: h2c}) in charge. Netty's
 * CleartextHttp2ServerUpgradeHandler does the same but only with its own HttpServerCodec.
 */
final class H2cPriorKnowledge extends ByteToMessageDecoder {

    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

    private final Consumer<ChannelHandlerContext> switchToHttp2;

    /**
     * @param switchToHttp2 removes the HTTP/1 handlers and installs HTTP/2 (runs before the preface is passed on)
     */
    H2cPriorKnowledge(Consumer<ChannelHandlerContext> switchToHttp2) {
        this.switchToHttp2 = switchToHttp2;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int prefaceLength = PREFACE.readableBytes();
        int available = Math.min(in.readableBytes(), prefaceLength);
        if (!ByteBufUtil.equals(PREFACE, PREFACE.readerIndex(), in, in.readerIndex(), available)) {
            ctx.pipeline().remove(this); // HTTP/1.1: the buffered bytes go on to the HTTP/1 codec
        } else if (available == prefaceLength) {
            switchToHttp2.accept(ctx);
            ctx.pipeline().remove(this); // the preface and what follows go on to the HTTP/2 codec
        }
        // else: a prefix of the preface so far; wait for more bytes
    }

}
