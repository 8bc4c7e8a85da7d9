package io.carbon.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The one way tests wait for something to happen elsewhere (a subscriber to register, a session count to drop,
 * a log line to appear): checks a condition with a short back-off until it holds, and fails with what was awaited
 * (and the last value seen) when it has not held by a generous deadline. The deadline is how long a test may
 * take on a loaded CI machine before it is declared stuck, never how fast the code must be: a passing test waits
 * only as long as the event takes.
 *
 * <p>Sleeps that are the stimulus of a test (staying idle past a timeout, trickling bytes) are not waits and do not
 * belong here.
 */
public final class Poll {

    /** How long a condition gets by default: far beyond anything the code under test needs, even on a slow CI. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

    private static final long FIRST_PAUSE_MILLIS = 1;
    private static final long LONGEST_PAUSE_MILLIS = 50;
    private static final int LONGEST_REPORTED_VALUE = 2_000;

    /** A condition whose check may throw (reads a file, talks to a socket). */
    @FunctionalInterface
    public interface CheckedCondition {
        boolean holds() throws Exception;
    }

    /** A value whose reading may throw (reads a file, talks to a socket). */
    @FunctionalInterface
    public interface CheckedSupplier<T> {
        T get() throws Exception;
    }

    private Poll() {
    }

    /** Waits until {@code condition} holds; fails naming {@code what} after {@link #DEFAULT_DEADLINE}. */
    public static void until(String what, BooleanSupplier condition) {
        until(what, DEFAULT_DEADLINE, condition);
    }

    /** Waits until {@code condition} holds; fails naming {@code what} after {@code deadline}. */
    public static void until(String what, Duration deadline, BooleanSupplier condition) {
        await(what, deadline, condition::getAsBoolean, held -> held, false);
    }

    /**
     * Waits until {@code done} accepts the current {@code value}; returns that value. The failure reports the
     * last value seen.
     */
    public static <T> T until(String what, Supplier<T> value, Predicate<? super T> done) {
        return until(what, DEFAULT_DEADLINE, value, done);
    }

    /** As {@link #until(String, Supplier, Predicate)} with a deadline of its own. */
    public static <T> T until(String what, Duration deadline, Supplier<T> value, Predicate<? super T> done) {
        return await(what, deadline, value::get, done, true);
    }

    /** As {@link #until(String, BooleanSupplier)} for a check that throws; its exceptions end the wait. */
    public static void untilChecked(String what, CheckedCondition condition) throws Exception {
        untilChecked(what, DEFAULT_DEADLINE, condition);
    }

    /** As {@link #until(String, Duration, BooleanSupplier)} for a check that throws; its exceptions end the wait. */
    public static void untilChecked(String what, Duration deadline, CheckedCondition condition) throws Exception {
        awaitChecked(what, deadline, condition::holds, held -> held, false);
    }

    /** As {@link #until(String, Supplier, Predicate)} for a value whose reading throws; exceptions end the wait. */
    public static <T> T untilChecked(String what, CheckedSupplier<T> value, Predicate<? super T> done)
            throws Exception {
        return untilChecked(what, DEFAULT_DEADLINE, value, done);
    }

    /** As {@link #until(String, Duration, Supplier, Predicate)} for a value whose reading throws. */
    public static <T> T untilChecked(String what, Duration deadline, CheckedSupplier<T> value,
                                     Predicate<? super T> done) throws Exception {
        return awaitChecked(what, deadline, value, done, true);
    }

    private static <T> T await(String what, Duration deadline, Supplier<T> value, Predicate<? super T> done,
                               boolean reportValue) {
        try {
            return awaitChecked(what, deadline, value::get, done, reportValue);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e); // unreachable: a Supplier throws no checked exception
        }
    }

    private static <T> T awaitChecked(String what, Duration deadline, CheckedSupplier<T> value,
                                      Predicate<? super T> done, boolean reportValue) throws Exception {
        long start = System.nanoTime();
        long pause = FIRST_PAUSE_MILLIS;
        int checks = 0;
        while (true) {
            T last = value.get();
            checks++;
            if (done.test(last)) {
                return last;
            }
            if (System.nanoTime() - start >= deadline.toNanos()) {
                throw new AssertionError("Timed out after " + seconds(deadline) + " (" + checks + " checks) waiting for "
                        + what + (reportValue ? "; last value: " + shorten(String.valueOf(last)) : ""));
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted while waiting for " + what, e);
            }
            pause = Math.min(LONGEST_PAUSE_MILLIS, pause * 2);
        }
    }

    private static String seconds(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
    }

    /** Keeps the end of a long value (a log file): the newest part is the telling one. */
    private static String shorten(String value) {
        return value.length() <= LONGEST_REPORTED_VALUE ? value
                : "..." + value.substring(value.length() - LONGEST_REPORTED_VALUE);
    }
}
