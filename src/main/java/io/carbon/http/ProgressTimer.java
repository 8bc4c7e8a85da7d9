package io.carbon.http;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A deadline that each sign of progress pushes back, on one event loop: a request body must keep arriving
 * ({@code header_timeout} between DATA frames on HTTP/2 and HTTP/3 streams). Progress only moves a field; the
 * one scheduled task re-arms itself for the time left when it fires early, so a fast stream costs no timer churn.
 * Not thread-safe: used on its stream's event loop only.
 */
public final class ProgressTimer {

    private final EventExecutor executor;
    private final long timeoutNanos;
    private final Runnable onExpiry;
    private ScheduledFuture<?> timer;
    private long deadlineNanos;

    /** @param onExpiry run on the event loop when {@code timeout} passed without progress */
    public ProgressTimer(EventExecutor executor, Duration timeout, Runnable onExpiry) {
        this.executor = executor;
        this.timeoutNanos = timeout.toNanos();
        this.onExpiry = onExpiry;
    }

    /** Starts (or restarts) the wait. */
    public void start() {
        progress();
        if (timer == null) {
            timer = executor.schedule(this::fire, timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Something arrived: the deadline is {@code timeout} from now. */
    public void progress() {
        deadlineNanos = System.nanoTime() + timeoutNanos;
    }

    public void stop() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void fire() {
        timer = null;
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining > 0) {
            timer = executor.schedule(this::fire, remaining, TimeUnit.NANOSECONDS);
            return;
        }
        onExpiry.run();
    }
}
