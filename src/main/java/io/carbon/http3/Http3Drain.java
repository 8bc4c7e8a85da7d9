package io.carbon.http3;

import io.carbon.http.DrainEvent;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http3.DefaultHttp3GoAwayFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ErrorCode;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;

/**
 * Graceful shutdown of one HTTP/3 connection: on {@link DrainEvent}, GOAWAY on the control stream (RFC 9114
 * §5.2) so the client opens no new request streams here, then the connection is closed with H3_NO_ERROR as
 * soon as the requests under way are answered. Counts the request streams the client opened for that.
 * One per connection.
 */
final class Http3Drain extends ChannelInboundHandlerAdapter {

    /**
     * The GOAWAY id of a graceful shutdown's first step: the largest client-initiated bidirectional stream id
     * (RFC 9114 §5.2 suggests it, so that no request already sent is refused).
     */
    private static final long ALL_STREAMS = (1L << 62) - 4;

    private ChannelHandlerContext ctx;
    private int openRequests;
    private boolean draining;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** A request stream opened (on this connection's event loop). */
    void streamOpened(QuicStreamChannel stream) {
        if (stream.type() != QuicStreamType.BIDIRECTIONAL) {
            return;
        }
        openRequests++;
        stream.closeFuture().addListener(f -> {
            openRequests--;
            closeIfDone();
        });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof DrainEvent) {
            draining = true;
            QuicStreamChannel control = Http3.getLocalControlStream(ctx.channel());
            if (control != null) {
                control.writeAndFlush(new DefaultHttp3GoAwayFrame(ALL_STREAMS));
            }
            closeIfDone();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void closeIfDone() {
        if (draining && openRequests == 0 && ctx.channel().isActive()) {
            ((QuicChannel) ctx.channel()).close(true, Http3ErrorCode.H3_NO_ERROR.code(), Unpooled.EMPTY_BUFFER);
        }
    }
}
