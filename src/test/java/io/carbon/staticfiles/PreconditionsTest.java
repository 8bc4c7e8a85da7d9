package io.carbon.staticfiles;

import io.carbon.staticfiles.Preconditions.Outcome;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;

class PreconditionsTest {

    static final String ETAG = "\"5-abc-7\"";
    /** Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT. */
    static final long LM = 784111777L;
    static final long NOW = LM + 86_400;

    static final String AT = "Sun, 06 Nov 1994 08:49:37 GMT";
    static final String BEFORE = "Sun, 06 Nov 1994 08:49:36 GMT";
    static final String AFTER = "Sun, 06 Nov 1994 08:49:38 GMT";
    static final String FUTURE = "Fri, 01 Jan 2100 00:00:00 GMT";

    /** Columns: If-Match | If-Unmodified-Since | If-None-Match | If-Modified-Since | outcome (GET). */
    @ParameterizedTest(name = "[{index}] IM={0} IUS={1} INM={2} IMS={3} -> {4}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "-               | -        | -               | -        | PROCEED",
            // 1. If-Match, strong comparison
            "\"5-abc-7\"     | -        | -               | -        | PROCEED",
            "*               | -        | -               | -        | PROCEED",
            "\"x\", \"5-abc-7\" | -     | -               | -        | PROCEED",
            "\"x\"           | -        | -               | -        | PRECONDITION_FAILED",
            "W/\"5-abc-7\"   | -        | -               | -        | PRECONDITION_FAILED",
            // If-Match wins over If-None-Match and over If-Unmodified-Since
            "\"x\"           | -        | \"5-abc-7\"     | -        | PRECONDITION_FAILED",
            "\"5-abc-7\"     | BEFORE   | -               | -        | PROCEED",
            // 2. If-Unmodified-Since (only without If-Match)
            "-               | AT       | -               | -        | PROCEED",
            "-               | AFTER    | -               | -        | PROCEED",
            "-               | BEFORE   | -               | -        | PRECONDITION_FAILED",
            "-               | garbage  | -               | -        | PROCEED",
            "-               | BEFORE   | \"5-abc-7\"     | -        | PRECONDITION_FAILED",
            // 3. If-None-Match, weak comparison
            "-               | -        | \"5-abc-7\"     | -        | NOT_MODIFIED",
            "-               | -        | W/\"5-abc-7\"   | -        | NOT_MODIFIED",
            "-               | -        | \"a\", \"5-abc-7\" | -     | NOT_MODIFIED",
            "-               | -        | *               | -        | NOT_MODIFIED",
            "-               | -        | \"other\"       | -        | PROCEED",
            // If-None-Match present: If-Modified-Since is not looked at
            "-               | -        | \"other\"       | AT       | PROCEED",
            // 4. If-Modified-Since
            "-               | -        | -               | AT       | NOT_MODIFIED",
            "-               | -        | -               | AFTER    | NOT_MODIFIED",
            "-               | -        | -               | BEFORE   | PROCEED",
            "-               | -        | -               | garbage  | PROCEED",
            "-               | -        | -               | FUTURE   | PROCEED",
            "-               | -        | -               | Sunday, 06-Nov-94 08:49:37 GMT | NOT_MODIFIED",
            "-               | -        | -               | Sun Nov  6 08:49:37 1994       | NOT_MODIFIED",
            // If-Match true, then If-None-Match still evaluated
            "*               | -        | \"5-abc-7\"     | -        | NOT_MODIFIED",
    })
    void evaluatesInRfcOrder(String ifMatch, String ius, String inm, String ims, Outcome expected) {
        HttpHeaders headers = new DefaultHttpHeaders();
        set(headers, "If-Match", ifMatch);
        set(headers, "If-Unmodified-Since", date(ius));
        set(headers, "If-None-Match", inm);
        set(headers, "If-Modified-Since", date(ims));
        assertThat(Preconditions.evaluate(HttpMethod.GET, headers, ETAG, LM, () -> NOW)).isEqualTo(expected);
        assertThat(Preconditions.evaluate(HttpMethod.HEAD, headers, ETAG, LM, () -> NOW)).isEqualTo(expected);
    }

    @Test
    void ifModifiedSinceIsOnlyForGetAndHead() {
        HttpHeaders headers = new DefaultHttpHeaders().set("If-Modified-Since", AT);
        assertThat(Preconditions.evaluate(HttpMethod.POST, headers, ETAG, LM, () -> NOW)).isEqualTo(Outcome.PROCEED);
        HttpHeaders inm = new DefaultHttpHeaders().set("If-None-Match", ETAG);
        assertThat(Preconditions.evaluate(HttpMethod.POST, inm, ETAG, LM, () -> NOW)).isEqualTo(Outcome.PRECONDITION_FAILED);
    }

    @Test
    void noPreconditionFieldReadsNoClock() {
        // The usual GET: nothing to evaluate, and the clock (a syscall's worth on the hot path) is not read.
        HttpHeaders plain = new DefaultHttpHeaders().set("Accept", "*/*").set("If-Range", ETAG);
        LongSupplier noClock = () -> {
            throw new AssertionError("the clock was read");
        };
        assertThat(Preconditions.evaluate(HttpMethod.GET, plain, ETAG, LM, noClock)).isEqualTo(Outcome.PROCEED);
        HttpHeaders inm = new DefaultHttpHeaders().set("If-None-Match", ETAG);
        assertThat(Preconditions.evaluate(HttpMethod.GET, inm, ETAG, LM, noClock)).isEqualTo(Outcome.NOT_MODIFIED);
    }

    @Test
    void listFieldsSpreadOverSeveralLinesAreJoined() {
        HttpHeaders headers = new DefaultHttpHeaders().add("If-None-Match", "\"a\"").add("If-None-Match", ETAG);
        assertThat(Preconditions.evaluate(HttpMethod.GET, headers, ETAG, LM, () -> NOW)).isEqualTo(Outcome.NOT_MODIFIED);
    }

    @Test
    void dateFieldWithSeveralMembersIsIgnored() {
        HttpHeaders headers = new DefaultHttpHeaders().add("If-Modified-Since", AT).add("If-Modified-Since", AT);
        assertThat(Preconditions.evaluate(HttpMethod.GET, headers, ETAG, LM, () -> NOW)).isEqualTo(Outcome.PROCEED);
    }

    private static String date(String symbol) {
        if (symbol == null) {
            return null;
        }
        switch (symbol) {
            case "AT": return AT;
            case "BEFORE": return BEFORE;
            case "AFTER": return AFTER;
            case "FUTURE": return FUTURE;
            default: return symbol;
        }
    }

    private static void set(HttpHeaders headers, String name, String value) {
        if (value != null) {
            headers.set(name, value);
        }
    }
}
