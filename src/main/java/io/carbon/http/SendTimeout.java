package io.carbon.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * {@code send_timeout}: closes a connection whose peer has stopped reading, like nginx's {@code send_timeout}.
 * The timer runs only while flushed bytes wait in the connection's outbound buffer, and it measures progress,
 * not the whole response: any byte the socket takes (a finished message, or a part of a large buffer or of a
 * file sent by sendfile) restarts it. So a client on a slow line downloading a large file is fine, and one that
 * asked for 64 MiB and never reads is closed after {@code send_timeout}, freeing its buffers and file. The
 * kernel's socket buffers (megabytes on loopback) sit between the two: a reader slower than they can cover in
 * one period looks stalled, as it does to nginx, whose {@code send_timeout} this follows.
 * Per connection, placed first in the pipeline.
 */
public final class SendTimeout extends ChannelOutboundHandlerAdapter {

    private final long timeoutNanos;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> check;
    /** What the outbound buffer looked like at the last check: unchanged for a whole period = no progress. */
    private long pending;
    private Object current;
    private long progress;

    public SendTimeout(long timeoutNanos) {
        this.timeoutNanos = timeoutNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        ctx.flush();
        // Usually everything went out with the flush; only bytes the socket did not take start the timer.
        if (check == null && pendingBytes() > 0) {
            snapshot();
            check = ctx.executor().schedule(this::check, timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void check() {
        check = null;
        if (!ctx.channel().isActive() || pendingBytes() == 0) {
            return;
        }
        ChannelOutboundBuffer buffer = ctx.channel().unsafe().outboundBuffer();
        if (buffer.totalPendingWriteBytes() == pending && buffer.current() == current
                && buffer.currentProgress() == progress) {
            ctx.close(); // not one byte taken for a whole send_timeout
            return;
        }
        snapshot();
        check = ctx.executor().schedule(this::check, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private long pendingBytes() {
        ChannelOutboundBuffer buffer = ctx.channel().unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    private void snapshot() {
        ChannelOutboundBuffer buffer = ctx.channel().unsafe().outboundBuffer();
        pending = buffer.totalPendingWriteBytes();
        current = buffer.current();
        progress = buffer.currentProgress();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }
}
