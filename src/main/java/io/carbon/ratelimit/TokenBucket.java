package io.carbon.ratelimit;

/**
 * One client's budget: up to {@code capacity} requests at once, refilled at a steady rate. Also counts the
 * refusals since the client was last named in the server log. Thread-safe (a client's requests arrive on
 * several event loops).
 */
final class TokenBucket {

    private final double capacity;
    private final double tokensPerNano;
    private double tokens;
    private long updatedNanos;
    private long loggedNanos;
    private long refusedSinceLog;
    private boolean everLogged;

    TokenBucket(double capacity, double tokensPerNano, long nowNanos) {
        this.capacity = capacity;
        this.tokensPerNano = tokensPerNano;
        this.tokens = capacity;
        this.updatedNanos = nowNanos;
    }

    /** Takes one token; returns 0 when it was there, else how long until one will be. */
    synchronized long take(long nowNanos) {
        refill(nowNanos);
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        refusedSinceLog++;
        return (long) Math.ceil((1 - tokens) / tokensPerNano);
    }

    /** Whole tokens left now. */
    synchronized long remaining(long nowNanos) {
        refill(nowNanos);
        return (long) tokens;
    }

    /**
     * The refusals to report when the client was not named within {@code intervalNanos} (then the count
     * starts again), or 0 when it was.
     */
    synchronized long refusalsToLog(long nowNanos, long intervalNanos) {
        if (everLogged && nowNanos - loggedNanos < intervalNanos) {
            return 0;
        }
        everLogged = true;
        loggedNanos = nowNanos;
        long refused = refusedSinceLog;
        refusedSinceLog = 0;
        return refused;
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - updatedNanos;
        if (elapsed > 0) {
            tokens = Math.min(capacity, tokens + elapsed * tokensPerNano);
            updatedNanos = nowNanos;
        }
    }
}
