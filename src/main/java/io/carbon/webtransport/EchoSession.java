package io.carbon.webtransport;

import io.carbon.http.Session;
import io.carbon.http.SessionHandle;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
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
        pipeline.addLast(bidirectional ? new EchoBack() : new WholeStream(maxUnidirectionalBytes, this::sendBack));
    }

    /** A unidirectional stream, whole: sent back on a new one of ours (on the next turn of the event loop). */
    private void sendBack(ByteBuf whole) {
        if (!whole.isReadable()) {
            whole.release();
            return;
        }
        handle.executor().execute(() -> handle.openStream(false, pipeline -> {
            DuplexChannel reply = (DuplexChannel) pipeline.channel();
            pipeline.channel().writeAndFlush(whole).addListener(f -> reply.shutdownOutput());
        }, whole::release));
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
    private static final class EchoBack extends ChannelInboundHandlerAdapter {
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
                // The client's end ends the echo. On the next turn of the event loop: an output shutdown made while
                // the connection is still reading (Netty 4.2.18's QUIC) can wait there until something else is sent.
                DuplexChannel stream = (DuplexChannel) ctx.channel();
                ctx.flush();
                // Then closed: Netty keeps a finished stream's channel open, and open ones count against
                // webtransport_max_streams.
                ctx.executor().execute(() -> stream.shutdownOutput().addListener(f -> stream.close()));
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }
    }
}
