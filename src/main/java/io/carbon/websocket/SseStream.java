package io.carbon.websocket;

import io.carbon.channels.ChannelHub;
import io.carbon.channels.ChannelMessage;
import io.carbon.channels.Subscriber;
import io.carbon.channels.SubscriberQueue;
import io.carbon.http.ChunkSource;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A channel subscription seen as a Server-Sent Events response body: the protocol branch pulls the next piece
 * when it can write more, and the piece is ready when the next events are published or, failing that, when
 * the heartbeat is due. Text messages become events (binary ones are not sent: SSE is text); a subscriber that
 * falls {@code websocket_queue_size} events behind makes its response fail (HTTP/1.1 closes the connection,
 * HTTP/2 resets the stream), and the browser reconnects with {@code Last-Event-ID}.
 *
 * <p>Threads: {@link #offer} runs on publishers' threads under the channel's lock, {@link #next} and
 * {@link #close} on the branch's event loop. At most one {@link #next} future is pending; whoever takes it from
 * {@link #waiting} (a publisher, the heartbeat, close) completes it, so it completes exactly once. Reading the
 * queue is serialized by this object's lock.
 */
final class SseStream implements ChunkSource, Subscriber {

    /** Events batched into one piece, up to about this many bytes. */
    private static final int BATCH_BYTES = 16 * 1024;

    private static final class Waiter {
        final CompletableFuture<ByteBuf> future = new CompletableFuture<>();
        final ByteBufAllocator alloc;
        volatile Future<?> heartbeat;

        Waiter(ByteBufAllocator alloc) {
            this.alloc = alloc;
        }
    }

    private final ChannelHub hub;
    private final String channel;
    private final SubscriberQueue queue;
    private final ScheduledExecutorService timers;
    private final long heartbeatNanos;
    private final AtomicReference<Waiter> waiting = new AtomicReference<>();
    /** True while this stream is counted among the hub's SSE subscribers (from subscribe to close, once). */
    private final AtomicBoolean counted = new AtomicBoolean();
    private volatile boolean overflowed;
    private volatile boolean ended;
    private volatile boolean closed;
    /** Branch side only: the prelude went out with the first piece. */
    private boolean started;

    SseStream(ChannelHub hub, String channel, int queueSize, ScheduledExecutorService timers, long heartbeatNanos) {
        this.hub = hub;
        this.channel = channel;
        this.queue = new SubscriberQueue(queueSize);
        this.timers = timers;
        this.heartbeatNanos = heartbeatNanos;
    }

    /** Joins the channel, with the kept events newer than {@code lastEventId} first (-1 = none). */
    ChannelHub.Refusal subscribe(long lastEventId) {
        ChannelHub.Refusal refusal = hub.subscribe(channel, this, lastEventId);
        if (refusal == null) {
            counted.set(true);
            hub.sseJoined();
        }
        return refusal;
    }

    @Override
    public CompletableFuture<ByteBuf> next(ByteBufAllocator alloc) {
        if (closed) {
            return CompletableFuture.completedFuture(null);
        }
        ByteBuf piece = drain(alloc, !started);
        started = true;
        if (piece != null) {
            return CompletableFuture.completedFuture(piece);
        }
        if (overflowed) {
            return CompletableFuture.failedFuture(fellBehind());
        }
        if (ended) {
            return CompletableFuture.completedFuture(null);
        }
        Waiter waiter = new Waiter(alloc);
        waiting.set(waiter);
        // A publisher may have queued between the drain above and the line before: look again.
        if (!queue.isEmpty() || overflowed || ended || closed) {
            if (waiting.compareAndSet(waiter, null)) {
                fulfil(waiter);
            }
            return waiter.future;
        }
        try {
            waiter.heartbeat = timers.schedule(() -> {
                if (waiting.compareAndSet(waiter, null)) {
                    waiter.future.complete(SseFormat.heartbeat(waiter.alloc));
                }
            }, heartbeatNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            if (waiting.compareAndSet(waiter, null)) {
                waiter.future.complete(null); // the timers are shutting down: so is the server
            }
        }
        return waiter.future;
    }

    @Override
    public boolean offer(ChannelMessage message) {
        if (!message.text()) {
            return true; // SSE carries text; binary messages are skipped (documented)
        }
        if (!queue.offer(message)) {
            return false;
        }
        wake();
        return true;
    }

    @Override
    public void overflowed() {
        overflowed = true;
        wake();
    }

    @Override
    public void shutdown() {
        ended = true;
        wake();
    }

    @Override
    public void close() {
        closed = true;
        hub.unsubscribe(channel, this);
        if (counted.compareAndSet(true, false)) {
            hub.sseLeft();
        }
        Waiter waiter = waiting.getAndSet(null);
        if (waiter != null) {
            cancelHeartbeat(waiter);
            waiter.future.complete(null);
        }
        synchronized (this) {
            queue.clear();
        }
    }

    private void wake() {
        Waiter waiter = waiting.getAndSet(null);
        if (waiter != null) {
            fulfil(waiter);
        }
    }

    /** Completes a waiter taken from {@link #waiting}: the only completion it gets. */
    private void fulfil(Waiter waiter) {
        cancelHeartbeat(waiter);
        if (closed) {
            waiter.future.complete(null);
            return;
        }
        ByteBuf piece = drain(waiter.alloc, false);
        if (piece != null) {
            waiter.future.complete(piece);
        } else if (overflowed) {
            waiter.future.completeExceptionally(fellBehind());
        } else if (ended) {
            waiter.future.complete(null);
        } else {
            waiter.future.complete(SseFormat.heartbeat(waiter.alloc));
        }
    }

    private static void cancelHeartbeat(Waiter waiter) {
        Future<?> heartbeat = waiter.heartbeat;
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
    }

    /** Formats queued events (after the prelude when {@code prelude}); null when there is nothing to send. */
    private synchronized ByteBuf drain(ByteBufAllocator alloc, boolean prelude) {
        ChannelMessage message = queue.poll();
        if (message == null && !prelude) {
            return null;
        }
        ByteBuf out = alloc.buffer(256);
        if (prelude) {
            out.writeBytes(SseFormat.PRELUDE);
        }
        while (message != null) {
            try {
                SseFormat.event(out, message.id(), message.payload());
            } finally {
                message.payload().release();
            }
            if (out.readableBytes() >= BATCH_BYTES) {
                break;
            }
            message = queue.poll();
        }
        return out;
    }

    private IOException fellBehind() {
        return new IOException("SSE subscriber of channel " + channel + " fell " + queue.bound() + " events behind");
    }
}
