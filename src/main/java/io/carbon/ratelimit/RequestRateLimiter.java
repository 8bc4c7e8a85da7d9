package io.carbon.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.carbon.config.Cidr;
import io.carbon.config.RateLimitConfig;
import io.carbon.http.ClientBudget;

import java.net.InetAddress;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The per-client token buckets behind {@code rate_limit_requests}: a client may make {@code rate_limit_burst}
 * requests at once and {@code rate_limit_requests} per {@code rate_limit_window} after that.
 *
 * <p>Memory is bounded: at most {@code rate_limit_max_tracked} clients are remembered (Caffeine, which keeps
 * the frequent ones), and a bucket idle long enough to be full again is dropped, which loses nothing. At the
 * bound the limiter fails open for the clients it had to forget: a forgotten client starts again with a full
 * bucket. Failing closed instead would let whoever controls many addresses fill the table and lock everybody
 * else out; TCP clients cannot forge their addresses, so a flood that large is a botnet that per-address
 * limits do not stop anyway. Thread-safe.
 */
public final class RequestRateLimiter implements ClientBudget {

    /** A request's verdict: allowed, or refused with when to retry and, at most once per window, a log count. */
    public record Verdict(boolean allowed, long retryAfterNanos, long refusalsToLog) {
        static final Verdict ALLOWED = new Verdict(true, 0, 0);
    }

    private final RateLimitConfig config;
    private final LongSupplier nanoClock;
    private final double tokensPerNano;
    private final Cache<ClientKey, TokenBucket> buckets;

    public RequestRateLimiter(RateLimitConfig config, LongSupplier nanoClock) {
        this.config = config;
        this.nanoClock = nanoClock;
        this.tokensPerNano = (double) config.requests() / config.window().toNanos();
        // A bucket idle this long is full again: dropping it then forgets nothing (but a pending log count).
        long refillNanos = (long) Math.ceil(config.burst() / tokensPerNano);
        this.buckets = Caffeine.newBuilder()
                .maximumSize(config.maxTracked())
                .expireAfterAccess(Duration.ofNanos(Math.max(refillNanos, config.window().toNanos())))
                .ticker(nanoClock::getAsLong)
                .build();
    }

    /** Counts a request from {@code address}. */
    public Verdict check(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (Cidr.anyContains(config.allowlist(), bytes)) {
            return Verdict.ALLOWED;
        }
        long now = nanoClock.getAsLong();
        TokenBucket bucket = buckets.get(ClientKey.of(bytes, config.ipv6Prefix()),
                key -> new TokenBucket(config.burst(), tokensPerNano, now));
        long wait = bucket.take(now);
        if (wait == 0) {
            return Verdict.ALLOWED;
        }
        return new Verdict(false, wait, bucket.refusalsToLog(now, config.window().toNanos()));
    }

    @Override
    public boolean tryTake(InetAddress client) {
        return check(client).allowed();
    }

    /** Clients remembered now (after pending evictions are done). */
    public long tracked() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }

    public RateLimitConfig config() {
        return config;
    }
}
