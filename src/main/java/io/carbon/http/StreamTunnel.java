package io.carbon.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Makes a request stream of HTTP/2 or HTTP/3 look like a TCP connection to the {@link Tunnel} above it (a
 * WebSocket: RFC 8441 §5, RFC 9220 §3): inbound DATA payloads become raw bytes, outbound bytes become DATA
 * frames, and the end of the stream plays the part of TCP's FIN. When the peer ends its side, this side ends too;
 * closing the "connection" ends our side and waits (up to {@code closeWait}) for the peer's, and only a peer that
 * never ends its side gets its stream reset (the protocol's answer to closing a stream still open: TCP's RST).
 * Flow control follows the tunnel's own back-pressure. A branch subclasses it with its framing; added by the
 * stream's handler on the stream's own channel (a tunnel always has one) before the 2xx HEADERS are written and
 * the tunnel opens. Per-stream.
 */
public abstract class StreamTunnel extends ChannelDuplexHandler {

    private final long closeWaitNanos;
    private ChannelHandlerContext ctx;
    private boolean localEnded;
    private boolean remoteEnded;
    private ChannelPromise pendingClose;
    private ScheduledFuture<?> closeTimer;

    /** @param closeWaitNanos how long a clean close waits for the peer's end before the stream is reset */
    protected StreamTunnel(long closeWaitNanos) {
        this.closeWaitNanos = closeWaitNanos;
    }

    /** A DATA frame of the branch's protocol carrying {@code bytes} (not ending the stream). */
    protected abstract Object dataFrame(ByteBuf bytes);

    /** Ends our side of the stream (END_STREAM, or FIN by shutting the output down), after what was written. */
    protected abstract void endOutput(ChannelHandlerContext ctx);

    /** Passes a DATA payload up to the tunnel (the caller has released the frame's own hold). */
    protected final void deliver(ChannelHandlerContext ctx, ByteBuf content) {
        if (content.isReadable() && !remoteEnded) {
            ctx.fireChannelRead(content.retain());
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** The peer ended its side of the stream. */
    protected final void remoteEnded() {
        if (remoteEnded) {
            return;
        }
        remoteEnded = true;
        if (pendingClose != null) {
            finishClose();
        } else {
            // The peer's end without a Close frame: like a TCP EOF, the tunnel is over (a WebSocket's code 1006).
            // Through the whole pipeline, so our close() below ends our side first.
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
            ctx.write(dataFrame(bytes), promise);
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
            endOutput(ctx);
        }
        if (remoteEnded) {
            finishClose();
        } else {
            closeTimer = ctx.executor().schedule(this::finishClose, closeWaitNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Both sides ended (nothing is reset), or the wait is over (closing the stream resets it). */
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
