package io.carbon.webtransport;

import io.carbon.http.SessionHandle;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;

import java.util.function.Consumer;

/**
 * Collects a WebTransport stream the client sends until it ends it, then hands over the whole (the consumer
 * owns it) and ends our side of the stream. A stream longer than the limit is reset and nothing is handed over.
 */
final class WholeStream extends ChannelInboundHandlerAdapter {

    private final SessionHandle session;
    private final int limit;
    private final Consumer<CompositeByteBuf> whole;
    private CompositeByteBuf collected;

    /** @param whole gets the stream's bytes, possibly empty, once the client ended it */
    WholeStream(SessionHandle session, int limit, Consumer<CompositeByteBuf> whole) {
        this.session = session;
        this.limit = limit;
        this.whole = whole;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (collected == null) {
            collected = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
        }
        if (collected.readableBytes() + bytes.readableBytes() > limit) {
            bytes.release();
            ctx.close(); // over the limit: the stream is reset
            return;
        }
        collected.addComponent(true, bytes);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof ChannelInputShutdownEvent)) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        CompositeByteBuf all = collected != null ? collected : ctx.alloc().compositeBuffer();
        collected = null;
        session.endStream(ctx.channel());
        whole.accept(all);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (collected != null) {
            collected.release();
            collected = null;
        }
    }
}
