package io.carbon.http3;

import io.carbon.http.StreamTunnel;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * An HTTP/3 request stream as a tunnel's byte stream (RFC 9220 §3): the QUIC stream's FIN is TCP's both ways;
 * closing a stream still open resets it. QUIC returns flow-control credit as the tunnel reads.
 */
final class Http3StreamTunnel extends StreamTunnel {

    Http3StreamTunnel(long closeWaitNanos) {
        super(closeWaitNanos);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http3DataFrame data) {
            deliver(ctx, data.content());
            data.release();
            return;
        }
        ReferenceCountUtil.release(msg); // trailers and the like mean nothing to a tunnel
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            remoteEnded();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    protected Object dataFrame(ByteBuf bytes) {
        return new DefaultHttp3DataFrame(bytes);
    }

    @Override
    protected void endOutput(ChannelHandlerContext ctx) {
        // FIN behind an (empty) DATA frame: a bare output shutdown on a QUIC stream (Netty 4.2.18) can wait in
        // the connection until something else is sent.
        ctx.writeAndFlush(new DefaultHttp3DataFrame(ctx.alloc().buffer(0)))
                .addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
    }
}
