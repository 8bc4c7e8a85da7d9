package io.carbon.ratelimit;

import io.carbon.config.Cidr;
import io.carbon.config.RateLimitConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Token buckets per client, on a clock the test moves: burst, refill, allowlist, IPv6 blocks, the memory bound. */
class RequestRateLimiterTest {

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    private RequestRateLimiter limiter(int perMinute, int burst, List<Cidr> allowlist, int maxTracked) {
        return new RequestRateLimiter(new RateLimitConfig(perMinute, Duration.ofMinutes(1), burst, allowlist, 64,
                maxTracked, List.of(), 0, 1, false), clock::get);
    }

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    private void advance(long millis) {
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Test
    void aBurstIsAllowedThenTheSteadyRate() throws Exception {
        RequestRateLimiter limiter = limiter(60, 5, List.of(), 1000); // one a second after five at once
        InetAddress client = ip("203.0.113.7");
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.check(client).allowed()).as("request %d of the burst", i + 1).isTrue();
        }
        RequestRateLimiter.Verdict refused = limiter.check(client);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterNanos()).isBetween(TimeUnit.MILLISECONDS.toNanos(999), TimeUnit.SECONDS.toNanos(1));
        advance(1_000);
        assertThat(limiter.check(client).allowed()).as("one token back after a second").isTrue();
        assertThat(limiter.check(client).allowed()).isFalse();
        assertThat(limiter.check(ip("203.0.113.8")).allowed()).as("another client has its own budget").isTrue();
    }

    @Test
    void refusalsAreLoggedOncePerWindowWithACount() throws Exception {
        RequestRateLimiter limiter = limiter(60, 1, List.of(), 1000);
        InetAddress client = ip("198.51.100.1");
        limiter.check(client);
        assertThat(limiter.check(client).refusalsToLog()).as("the first refusal is named at once").isEqualTo(1);
        for (int i = 0; i < 9; i++) {
            assertThat(limiter.check(client).refusalsToLog()).isZero();
        }
        advance(59_000);
        assertThat(limiter.check(client).allowed()).as("refilled").isTrue();
        assertThat(limiter.check(client).refusalsToLog()).as("still within the window").isZero();
        advance(2_000);
        assertThat(limiter.check(client).allowed()).isTrue();
        assertThat(limiter.check(client).refusalsToLog()).as("the next window reports what it held back")
                .isEqualTo(9 + 1 + 1);
    }

    @Test
    void theAllowlistIsNeverLimited() throws Exception {
        RequestRateLimiter limiter = limiter(60, 1, List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("::1")), 1000);
        for (int i = 0; i < 100; i++) {
            assertThat(limiter.check(ip("10.20.30.40")).allowed()).isTrue();
            assertThat(limiter.check(ip("::1")).allowed()).isTrue();
            assertThat(limiter.check(ip("::ffff:10.1.1.1")).allowed()).as("IPv4-mapped").isTrue();
        }
        assertThat(limiter.check(ip("11.0.0.1")).allowed()).isTrue();
        assertThat(limiter.check(ip("11.0.0.1")).allowed()).isFalse();
    }

    @ParameterizedTest(name = "{0} and {1} share a budget: {2}")
    @CsvSource({
        "2001:db8:1:2::1,      2001:db8:1:2:ffff::9, true",
        "2001:db8:1:2::1,      2001:db8:1:3::1,      false",
        "192.0.2.1,            ::ffff:192.0.2.1,     true",
        "192.0.2.1,            192.0.2.2,            false",
    })
    void ipv6ClientsAreCountedPerSlash64(String first, String second, boolean shared) throws Exception {
        RequestRateLimiter limiter = limiter(60, 1, List.of(), 1000);
        assertThat(limiter.check(ip(first)).allowed()).isTrue();
        assertThat(limiter.check(ip(second)).allowed()).isEqualTo(!shared);
    }

    @Test
    void aMillionDistinctAddressesCannotGrowTheTableBeyondItsBound() throws Exception {
        RequestRateLimiter limiter = limiter(6000, 300, List.of(), 1000);
        byte[] address = new byte[16];
        address[0] = 0x20;
        address[1] = 0x01;
        for (int i = 0; i < 1_000_000; i++) {
            address[4] = (byte) (i >>> 16);
            address[5] = (byte) (i >>> 8);
            address[6] = (byte) i;
            limiter.check(InetAddress.getByAddress(address));
        }
        assertThat(limiter.tracked()).isLessThanOrEqualTo(1000);
    }

    @Test
    void anIdleClientIsForgottenOnceItsBucketWouldBeFullAnyway() throws Exception {
        RequestRateLimiter limiter = limiter(60, 5, List.of(), 1000);
        limiter.check(ip("192.0.2.50"));
        assertThat(limiter.tracked()).isEqualTo(1);
        advance(TimeUnit.MINUTES.toMillis(2));
        assertThat(limiter.tracked()).isZero();
    }
}
