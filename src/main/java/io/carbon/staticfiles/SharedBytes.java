package io.carbon.staticfiles;

import io.netty.buffer.ByteBuf;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Cached bytes that many event loops slice at once while the cache may evict them at any moment.
 *
 * <p>Netty's reference count cannot be "retained unless already released": retaining a released buffer
 * throws after the memory may be gone. So the cache's hold is counted here, and a slice is taken only while
 * that count is pinned above zero; the slice then retains the buffer itself, so memory lives until the last
 * response using it has been written, and is freed as soon as it is both evicted and unused.
 */
final class SharedBytes {

    private final ByteBuf buffer;
    /** 1 for the cache's hold, plus threads slicing right now; 0 once evicted. */
    private final AtomicInteger holds = new AtomicInteger(1);

    /** @param buffer read-only from now on; this object owns its one reference */
    SharedBytes(ByteBuf buffer) {
        this.buffer = buffer;
    }

    int length() {
        return buffer.readableBytes();
    }

    /** A retained slice the caller must release, or null when the bytes were evicted meanwhile. */
    ByteBuf slice(long index, long length) {
        if (!pin()) {
            return null;
        }
        try {
            return buffer.retainedSlice(buffer.readerIndex() + (int) index, (int) length);
        } finally {
            unpin();
        }
    }

    /** The whole content as a retained slice, or null when evicted. */
    ByteBuf all() {
        return slice(0, length());
    }

    /** Drops the cache's hold (eviction, replacement, shutdown). Idempotent per holder: call once. */
    void evict() {
        unpin();
    }

    private boolean pin() {
        for (;;) {
            int current = holds.get();
            if (current == 0) {
                return false;
            }
            if (holds.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    private void unpin() {
        if (holds.decrementAndGet() == 0) {
            buffer.release();
        }
    }
}
