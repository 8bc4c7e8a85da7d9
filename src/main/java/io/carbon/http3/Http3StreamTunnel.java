package io.carbon.http3;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Makes an HTTP/3 request stream look like a TCP connection to the {@link io.carbon.http.Tunnel} above it (a
 * WebSocket, RFC 9220 §3): the payload of inbound DATA frames becomes raw bytes, outbound bytes become DATA
 * frames, and the stream's FIN plays TCP's. When the peer ends its side, this side ends too; closing the
 * "connection" sends FIN and waits (up to {@code closeWait}) for the peer's, and only a peer that never ends its
 * side gets its stream reset. Flow control follows the tunnel's own back-pressure, as QUIC returns credit as
 * the stream is read. Added by the stream handler after the 2xx HEADERS were written. Per-stream.
 */
final class Http3StreamTunnel extends ChannelDuplexHandler {

    private final long closeWaitNanos;
    private ChannelHandlerContext ctx;
    private boolean localEnded;
    private boolean remoteEnded;
    private ChannelPromise pendingClose;
    private ScheduledFuture<?> closeTimer;

    /** @param closeWaitNanos how long a clean close waits for the peer's FIN before the stream is reset */
    Http3StreamTunnel(long closeWaitNanos) {
        this.closeWaitNanos = closeWaitNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http3DataFrame data) {
            ByteBuf content = data.content();
            if (content.isReadable() && !remoteEnded) {
                ctx.fireChannelRead(content.retain());
            }
            data.release();
            return;
        }
        // Trailers, and anything else a request stream carries, have no meaning for a tunnel.
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            remoteEnded();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void remoteEnded() {
        if (remoteEnded) {
            return;
        }
        remoteEnded = true;
        if (pendingClose != null) {
            finishClose();
        } else {
            // The peer's FIN without a Close frame: like a TCP EOF, the tunnel is over (a WebSocket's code 1006).
            ctx.channel().close();
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf bytes) {
            if (localEnded) {
                bytes.release();
                promise.setFailure(new IllegalStateException("the stream's sending side has ended"));
                return;
            }
            ctx.write(new DefaultHttp3DataFrame(bytes), promise);
            return;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (!ctx.channel().isActive()) {
            ctx.close(promise);
            return;
        }
        if (pendingClose != null) {
            pendingClose.addListener(f -> promise.trySuccess());
            return;
        }
        pendingClose = promise;
        if (!localEnded) {
            localEnded = true;
            ctx.flush();
            ((QuicStreamChannel) ctx.channel()).shutdownOutput();
        }
        if (remoteEnded) {
            finishClose();
        } else {
            closeTimer = ctx.executor().schedule(this::finishClose, closeWaitNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Both sides ended, or the wait is over (closing the stream then resets what is left of it). */
    private void finishClose() {
        if (closeTimer != null) {
            closeTimer.cancel(false);
            closeTimer = null;
        }
        ChannelPromise promise = pendingClose;
        if (promise != null && !promise.isDone()) {
            ctx.close(promise);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        finishClose();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (closeTimer != null) {
            closeTimer.cancel(false);
        }
    }
}
