package io.carbon.ratelimit;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Counts open connections, in total ({@code max_connections}) and per client address
 * ({@code max_connections_per_ip}, 0 = unlimited), and refuses those over either bound. The per-address map
 * holds only addresses with an open connection, so it is bounded by {@code max_connections}.
 */
public final class ConnectionLimiter {

    /** Why a connection was refused. */
    public enum Verdict { ACCEPTED, OVER_TOTAL, OVER_PER_IP }

    // Volatile: a reload may change them; connections already in are never closed for it.
    private volatile int maxTotal;
    private volatile int maxPerIp;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perIp = new ConcurrentHashMap<>();

    public ConnectionLimiter(int maxTotal, int maxPerIp) {
        this.maxTotal = maxTotal;
        this.maxPerIp = maxPerIp;
    }

    /** New bounds (a reload): they apply to the next connections; those already open stay. */
    public void limits(int maxTotal, int maxPerIp) {
        this.maxTotal = maxTotal;
        this.maxPerIp = maxPerIp;
    }

    /** Takes a slot for a new connection; on ACCEPTED the caller must {@link #release} it when it closes. */
    public Verdict acquire(InetAddress address) {
        return acquire(address, () -> false);
    }

    /**
     * Takes a slot; at {@code max_connections} it first asks {@code makeRoom} to close another connection, and
     * on success takes the slot that connection is about to give back (the total is over by one until it
     * closes). The per-address bound is checked first, so nobody is closed for a newcomer refused anyway.
     */
    public Verdict acquire(InetAddress address, BooleanSupplier makeRoom) {
        // Counted per address even when unbounded (0), so a reload that sets a bound counts those already in.
        AtomicInteger count = perIp.compute(address, (a, c) -> {
            AtomicInteger counter = c == null ? new AtomicInteger() : c;
            counter.incrementAndGet();
            return counter;
        });
        int perIpBound = maxPerIp;
        if (perIpBound > 0 && count.get() > perIpBound) {
            releasePerIp(address);
            refused.incrementAndGet();
            return Verdict.OVER_PER_IP;
        }
        if (open.incrementAndGet() > maxTotal && !makeRoom.getAsBoolean()) {
            open.decrementAndGet();
            releasePerIp(address);
            refused.incrementAndGet();
            return Verdict.OVER_TOTAL;
        }
        return Verdict.ACCEPTED;
    }

    public void release(InetAddress address) {
        releasePerIp(address);
        open.decrementAndGet();
    }

    private void releasePerIp(InetAddress address) {
        perIp.computeIfPresent(address, (a, c) -> c.decrementAndGet() == 0 ? null : c);
    }

    public int open() {
        return open.get();
    }

    /** Connections refused since start. */
    public long refused() {
        return refused.get();
    }

    /** Addresses currently tracked (for tests: it must go back to zero). */
    public int trackedAddresses() {
        return perIp.size();
    }
}
