package io.carbon.staticfiles;

import io.carbon.http.Request;
import io.carbon.http.Response;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The process (EMFILE) or the whole system (ENFILE) has no file descriptor left to open a file with. That is
 * load, not a fault of the request: the client gets 503 with Retry-After, and the server log a warning at most
 * once per {@link #LOG_INTERVAL_NANOS} with how many requests were turned away, because a server out of
 * descriptors would otherwise write a line for every request it refuses.
 */
final class OutOfDescriptors {

    static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** strerror(EMFILE) is "Too many open files", strerror(ENFILE) "Too many open files in system". */
    private static final String REASON = "Too many open files";
    /** Causes looked through at most: a wrapped exception is still the same shortage. */
    private static final int MAX_DEPTH = 8;

    private final Consumer<String> warnings;
    private final LongSupplier nanoClock;
    private final AtomicLong lastLogged;
    private final AtomicLong refusedSinceLog = new AtomicLong();

    OutOfDescriptors(Consumer<String> warnings, LongSupplier nanoClock) {
        this.warnings = warnings;
        this.nanoClock = nanoClock;
        this.lastLogged = new AtomicLong(nanoClock.getAsLong() - LOG_INTERVAL_NANOS);
    }

    /**
     * Whether {@code failure} is EMFILE or ENFILE. Java gives no errno, only the C library's message in a
     * {@code FileSystemException} (or a plain {@code IOException}), so the message is what there is to match.
     */
    static boolean matches(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            String message = t.getMessage();
            if (message != null && message.contains(REASON)) {
                return true;
            }
        }
        return false;
    }

    /** Counts the refusal, warns when the interval is up, and answers 503 with Retry-After. Any thread. */
    Response refuse(Request request, Throwable cause) {
        long refused = refusedSinceLog.incrementAndGet();
        long now = nanoClock.getAsLong();
        long last = lastLogged.get();
        if (now - last >= LOG_INTERVAL_NANOS && lastLogged.compareAndSet(last, now)) {
            refusedSinceLog.addAndGet(-refused);
            warnings.accept("out of file descriptors: " + refused + " request(s) answered 503 since last logged"
                    + " (latest " + request.method() + " " + request.target() + ": " + cause.getMessage()
                    + "); raise LimitNOFILE, or fs.file-max when it says \"in system\"");
        }
        Response busy = Response.of(HttpResponseStatus.SERVICE_UNAVAILABLE);
        busy.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        return busy;
    }
}
