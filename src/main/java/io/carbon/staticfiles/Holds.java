package io.carbon.staticfiles;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The users of one cached resource that the cache may drop at any moment: the cache's own hold plus every
 * response borrowing it. A new user can only pin while the count is above zero, so nothing is borrowed
 * after it was freed; the last one to let go frees it.
 */
final class Holds {

    /** 1 for the cache's hold, plus current borrowers; 0 once freed. */
    private final AtomicInteger count = new AtomicInteger(1);
    private final Runnable free;

    Holds(Runnable free) {
        this.free = free;
    }

    /** True when the resource is still there and now pinned; every true needs one {@link #unpin()}. */
    boolean pin() {
        for (;;) {
            int current = count.get();
            if (current == 0) {
                return false;
            }
            if (count.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** Lets go of a pin, or of the cache's hold (eviction); the last one frees the resource. */
    void unpin() {
        if (count.decrementAndGet() == 0) {
            free.run();
        }
    }
}
