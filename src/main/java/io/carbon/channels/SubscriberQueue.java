package io.carbon.channels;

import org.jctools.queues.MpscArrayQueue;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bounded queue in front of one subscriber: any number of publishing threads, one consumer (JCTools' MPSC
 * array queue, lock-free). The bound is exact ({@code websocket_queue_size}), not rounded up to the array's
 * power of two. Entries hold one reference to their message's payload.
 */
public final class SubscriberQueue {

    private final MpscArrayQueue<ChannelMessage> queue;
    private final AtomicInteger size = new AtomicInteger();
    private final int bound;

    public SubscriberQueue(int bound) {
        this.bound = bound;
        this.queue = new MpscArrayQueue<>(Math.max(2, bound));
    }

    public int bound() {
        return bound;
    }

    /** Queues {@code message}, retaining its payload; false (nothing retained) when {@code bound} are waiting. */
    public boolean offer(ChannelMessage message) {
        if (size.incrementAndGet() > bound) {
            size.decrementAndGet();
            return false;
        }
        message.payload().retain();
        queue.offer(message); // cannot fail: the array holds at least `bound` and at most `bound` are in it
        return true;
    }

    /** The oldest message (its payload reference now belongs to the caller), or null. Consumer only. */
    public ChannelMessage poll() {
        ChannelMessage message = queue.poll();
        if (message != null) {
            size.decrementAndGet();
        }
        return message;
    }

    public boolean isEmpty() {
        return queue.isEmpty();
    }

    /** Drops everything still queued. Consumer only. */
    public void clear() {
        ChannelMessage message;
        while ((message = poll()) != null) {
            message.payload().release();
        }
    }
}
