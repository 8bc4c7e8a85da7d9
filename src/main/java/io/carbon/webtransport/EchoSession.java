package io.carbon.webtransport;

import io.carbon.http.Session;
import io.carbon.http.SessionHandle;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The WebTransport echo: every bidirectional stream is echoed on itself (its end ends ours), every
 * unidirectional stream is sent back whole on a new unidirectional stream of ours once the client ended it, and
 * every datagram is sent back (or dropped when the connection is congested, as datagrams may be). A
 * unidirectional stream longer than {@code websocket_max_message_size} is cut off. One per session.
 */
final class EchoSession implements Session {

    private final int maxUnidirectionalBytes;
    private SessionHandle handle;

    EchoSession(int maxUnidirectionalBytes) {
        this.maxUnidirectionalBytes = maxUnidirectionalBytes;
    }

    @Override
    public void opened(SessionHandle handle) {
        this.handle = handle;
    }

    @Override
    public void stream(ChannelPipeline pipeline, boolean bidirectional) {
        pipeline.addLast(bidirectional ? new EchoBack() : new WholeStream(handle, maxUnidirectionalBytes, this::sendBack));
    }

    /** A unidirectional stream, whole: sent back on a new one of ours (on the next turn of the event loop). */
    private void sendBack(ByteBuf whole) {
        if (!whole.isReadable()) {
            whole.release();
            return;
        }
        handle.executor().execute(() -> handle.openStream(false, pipeline ->
                pipeline.channel().writeAndFlush(whole).addListener(f -> handle.endStream(pipeline.channel())),
                whole::release));
    }

    @Override
    public void datagram(ByteBuf payload) {
        handle.sendDatagram(payload);
    }

    @Override
    public void closed(long code, String reason) {
        // Nothing held beyond the streams, which the branch closes with the session.
    }

    /** Writes every piece back; reads pause while the stream cannot take more (its flow control). */
    private final class EchoBack extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf bytes) {
                ctx.write(bytes);
                if (!ctx.channel().isWritable()) {
                    ctx.channel().config().setAutoRead(false);
                }
                return;
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(true);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                ctx.flush();
                handle.endStream(ctx.channel()); // the client's end ends the echo
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }
    }
}
