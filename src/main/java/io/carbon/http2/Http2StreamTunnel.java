package io.carbon.http2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Makes an HTTP/2 stream look like a TCP connection to the {@link io.carbon.http.Tunnel} above it (for a
 * WebSocket, RFC 8441 §5): the
 * payload of inbound DATA frames becomes raw bytes, outbound bytes become DATA frames, and the stream's ends
 * play the part of TCP's. END_STREAM is the FIN: when the peer ends its side, this side ends too; closing the
 * "connection" sends END_STREAM and waits (up to {@code closeWait}) for the peer's, and only a peer that never
 * ends its side gets RST_STREAM (Netty's answer to closing a stream still open, RFC 8441's TCP RST).
 *
 * <p>Flow control follows the tunnel's own back-pressure: the stream channel returns window as the tunnel
 * reads, and the tunnel stops reading while the stream cannot take more writes. Added by the stream handler
 * after the 2xx HEADERS were written, before the tunnel opens. Per-stream.
 */
final class Http2StreamTunnel extends ChannelDuplexHandler {

    private final long closeWaitNanos;
    private ChannelHandlerContext ctx;
    private boolean localEnded;
    private boolean remoteEnded;
    private ChannelPromise pendingClose;
    private ScheduledFuture<?> closeTimer;

    /** @param closeWaitNanos how long a clean close waits for the peer's END_STREAM before resetting the stream */
    Http2StreamTunnel(long closeWaitNanos) {
        this.closeWaitNanos = closeWaitNanos;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2DataFrame data) {
            boolean end = data.isEndStream();
            ByteBuf content = data.content();
            if (content.isReadable() && !remoteEnded) {
                ctx.fireChannelRead(content.retain());
            }
            data.release();
            if (end) {
                remoteEnded();
            }
            return;
        }
        if (msg instanceof Http2HeadersFrame headers && headers.isEndStream()) {
            remoteEnded(); // trailers: nothing in them matters, but they end the peer's side
        }
        // Trailers, and anything else a stream carries, have no meaning for a tunnel.
        ReferenceCountUtil.release(msg);
    }

    private void remoteEnded() {
        if (remoteEnded) {
            return;
        }
        remoteEnded = true;
        if (pendingClose != null) {
            finishClose();
        } else {
            // The peer's FIN without a Close frame: like a TCP EOF, the tunnel is over (a WebSocket's §7.1.5 code 1006).
            ctxChannelClose();
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    private void ctxChannelClose() {
        // Through the whole pipeline, so our close() below ends our side first.
        ctx.channel().close();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf bytes) {
            if (localEnded) {
                bytes.release();
                promise.setFailure(new IllegalStateException("the stream's sending side has ended"));
                return;
            }
            ctx.write(new DefaultHttp2DataFrame(bytes, false), promise);
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
            ctx.writeAndFlush(new DefaultHttp2DataFrame(true));
        }
        if (remoteEnded) {
            finishClose();
        } else {
            closeTimer = ctx.executor().schedule(this::finishClose, closeWaitNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Both sides ended (the stream is closed, nothing is reset), or the wait is over (RST_STREAM). */
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
        // The stream closed or was reset by the peer while we waited: the close is done.
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
