package io.carbon.logging;

import java.nio.charset.StandardCharsets;
import java.util.function.LongFunction;

/**
 * The text of the current second, formatted once per second and shared by the event loops, so formatting a
 * log line costs no date arithmetic.
 */
final class SecondCache {

    private record Cached(long epochSecond, byte[] text) {
    }

    private final LongFunction<String> formatter;
    private volatile Cached cached;

    /** @param formatter the text of an epoch second, all printable ASCII */
    SecondCache(LongFunction<String> formatter) {
        this.formatter = formatter;
    }

    /** The ASCII text of the second {@code epochMillis} falls in; do not modify it. */
    byte[] text(long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000L);
        Cached c = cached;
        if (c == null || c.epochSecond() != second) {
            // Racing event loops may both format the same second; the result is identical, so no lock.
            c = new Cached(second, formatter.apply(second).getBytes(StandardCharsets.US_ASCII));
            cached = c;
        }
        return c.text();
    }
}
