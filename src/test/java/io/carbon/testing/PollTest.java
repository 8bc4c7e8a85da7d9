package io.carbon.testing;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The waiting helper itself: returns once the condition holds, names what it awaited when it never does. */
class PollTest {

    @Test
    void returnsOnceTheConditionHolds() {
        AtomicInteger checks = new AtomicInteger();
        Poll.until("the third check", () -> checks.incrementAndGet() >= 3);
        assertThat(checks).hasValue(3);
    }

    @Test
    void returnsTheValueThatWasAccepted() {
        AtomicInteger counter = new AtomicInteger();
        assertThat(Poll.until("a count of 5", counter::incrementAndGet, n -> n == 5)).isEqualTo(5);
    }

    @Test
    void aConditionThatNeverHoldsFailsNamingWhatWasAwaitedAndTheLastValue() {
        assertThatThrownBy(() -> Poll.until("the answer", Duration.ofMillis(20), () -> 41, n -> n == 42))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("waiting for the answer")
                .hasMessageContaining("last value: 41");
        assertThatThrownBy(() -> Poll.until("nothing", Duration.ofMillis(20), () -> false))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("waiting for nothing")
                .hasMessageNotContaining("last value");
    }

    @Test
    void aCheckedCheckMayThrowAndItsExceptionEndsTheWait() throws Exception {
        AtomicInteger checks = new AtomicInteger();
        Poll.untilChecked("the second check", () -> checks.incrementAndGet() == 2);
        assertThat(checks).hasValue(2);
        assertThatThrownBy(() -> Poll.untilChecked("a file", () -> {
            throw new IOException("unreadable");
        })).isInstanceOf(IOException.class).hasMessage("unreadable");
    }

    @Test
    void aLongLastValueIsReportedByItsEnd() {
        String log = "x".repeat(5_000) + "the newest line";
        assertThatThrownBy(() -> Poll.untilChecked("a line", Duration.ofMillis(20), () -> log, l -> false))
                .hasMessageEndingWith("the newest line")
                .hasMessageNotContaining("x".repeat(2_001));
    }
}
