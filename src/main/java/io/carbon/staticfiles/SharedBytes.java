package io.carbon.staticfiles;

import io.netty.buffer.ByteBuf;


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
    /** The cache's hold plus threads slicing right now. */
    private final Holds holds;

    /** @param buffer read-only from now on; this object owns its one reference */
    SharedBytes(ByteBuf buffer) {
        this.buffer = buffer;
        this.holds = new Holds(buffer::release);
    }

    int length() {
        return buffer.readableBytes();
    }

    /** A retained slice the caller must release, or null when the bytes were evicted meanwhile. */
    ByteBuf slice(long index, long length) {
        if (!holds.pin()) {
            return null;
        }
        try {
            return buffer.retainedSlice(buffer.readerIndex() + (int) index, (int) length);
        } finally {
            holds.unpin();
        }
    }

    /** The whole content as a retained slice, or null when evicted. */
    ByteBuf all() {
        return slice(0, length());
    }

    /** Drops the cache's hold (eviction, replacement, shutdown). Idempotent per holder: call once. */
    void evict() {
        holds.unpin();
    }
}
