package io.carbon.staticfiles;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Byte range requests (RFC 9110 §14): parses {@code Range}, decides satisfiability and evaluates
 * {@code If-Range}.
 *
 * <p>Decisions, all permitted by RFC 9110 §14.2 ("a server MAY ignore the Range header field"):
 * <ul>
 *   <li>Invalid syntax or a unit other than {@code bytes} is ignored: the full representation is sent.</li>
 *   <li>More than {@value #MAX_RANGES} ranges, or ranges that overlap each other, are ignored. Many tiny or
 *       overlapping ranges turn one request into a large response (amplification, and the old Apache
 *       "Range: bytes=0-,0-,0-..." denial of service); RFC 9110 §14.2 names both patterns as ones a server
 *       may refuse to honour.</li>
 *   <li>A zero-length representation: an int-range can never be satisfied (416, {@code bytes *}{@code /0}).
 *       A suffix-range is formally satisfiable (§14.1.3) but no Content-Range can describe an empty part
 *       ({@code last-pos} must not be below {@code first-pos}), so the Range is ignored and the empty 200
 *       is sent.</li>
 * </ul>
 */
public final class Ranges {

    /** The most ranges honoured in one request. */
    public static final int MAX_RANGES = 16;

    /** An inclusive byte range {@code first..last} within the representation. */
    public record ByteRange(long first, long last) {
        public long length() {
            return last - first + 1;
        }

        /** The {@code Content-Range} value for this range (RFC 9110 §14.4). */
        public String contentRange(long size) {
            return "bytes " + first + '-' + last + '/' + size;
        }
    }

    /** What to send for a Range request. */
    public sealed interface Decision permits Full, Unsatisfiable, Partial {
    }

    /** Ignore the Range header field and send the full representation (200). */
    public record Full() implements Decision {
    }

    /** No range is satisfiable: 416 with {@code Content-Range: bytes *}{@code /size}. */
    public record Unsatisfiable() implements Decision {
    }

    /** 206 with these ranges, in the order requested (RFC 9110 §14.6). */
    public record Partial(List<ByteRange> ranges) implements Decision {
        public Partial {
            ranges = List.copyOf(ranges);
        }
    }

    private static final Decision FULL = new Full();
    private static final Decision UNSATISFIABLE = new Unsatisfiable();

    private Ranges() {
    }

    /**
     * Decides what a {@code Range} field value means for a representation of {@code size} bytes.
     *
     * @param value the Range field value (null means absent)
     */
    public static Decision evaluate(String value, long size) {
        if (value == null) {
            return FULL;
        }
        List<long[]> specs = parse(value);
        if (specs == null || specs.size() > MAX_RANGES) {
            return FULL;
        }
        List<ByteRange> satisfiable = new ArrayList<>(specs.size());
        boolean emptySuffix = false;
        for (long[] spec : specs) {
            long first = spec[0];
            long last = spec[1];
            if (first >= 0) {
                // int-range: satisfiable when first-pos is below the length (§14.1.3); last-pos is clamped.
                if (first < size) {
                    satisfiable.add(new ByteRange(first, Math.min(last, size - 1)));
                }
            } else if (last > 0) {
                // suffix-range: the last N bytes, the whole representation when it is shorter than N.
                if (size == 0) {
                    emptySuffix = true;
                } else {
                    satisfiable.add(new ByteRange(Math.max(0, size - last), size - 1));
                }
            }
            // suffix-length 0 is never satisfiable.
        }
        if (satisfiable.isEmpty()) {
            return emptySuffix ? FULL : UNSATISFIABLE;
        }
        if (overlap(satisfiable)) {
            return FULL;
        }
        return new Partial(satisfiable);
    }

    /**
     * Parses a ranges-specifier (RFC 9110 §14.1.1). Each spec is {@code {first, last}}; a suffix-range is
     * {@code {-1, suffixLength}}; an open int-range has {@code last = Long.MAX_VALUE}.
     *
     * @return the specs in order, or null when the value is not a valid {@code bytes} specifier
     */
    static List<long[]> parse(String value) {
        int eq = value.indexOf('=');
        if (eq < 0) {
            return null;
        }
        // range-unit is case-insensitive (§14.1); other units are unknown to us and ignored.
        if (!value.substring(0, eq).trim().toLowerCase(Locale.ROOT).equals("bytes")) {
            return null;
        }
        List<long[]> specs = new ArrayList<>();
        for (String element : value.substring(eq + 1).split(",", -1)) {
            String spec = element.trim();
            if (spec.isEmpty()) {
                continue; // empty list elements are allowed and ignored (RFC 9110 §5.6.1.2)
            }
            if (specs.size() > MAX_RANGES) {
                return specs; // already too many; the caller ignores the header, no need to parse more
            }
            int dash = spec.indexOf('-');
            if (dash < 0) {
                return null;
            }
            String firstText = spec.substring(0, dash).trim();
            String lastText = spec.substring(dash + 1).trim();
            if (firstText.isEmpty()) {
                long suffix = digits(lastText);
                if (suffix < 0) {
                    return null;
                }
                specs.add(new long[] {-1, suffix});
            } else {
                long first = digits(firstText);
                if (first < 0) {
                    return null;
                }
                long last = Long.MAX_VALUE;
                if (!lastText.isEmpty()) {
                    last = digits(lastText);
                    if (last < 0 || last < first) {
                        return null; // last-pos below first-pos makes the spec invalid (§14.1.1)
                    }
                }
                specs.add(new long[] {first, last});
            }
        }
        return specs.isEmpty() ? null : specs;
    }

    /** A non-empty run of DIGITs, saturating at Long.MAX_VALUE; -1 when not digits. */
    private static long digits(String text) {
        if (text.isEmpty()) {
            return -1;
        }
        long result = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            int digit = c - '0';
            result = result > (Long.MAX_VALUE - digit) / 10 ? Long.MAX_VALUE : result * 10 + digit;
        }
        return result;
    }

    private static boolean overlap(List<ByteRange> ranges) {
        if (ranges.size() < 2) {
            return false;
        }
        List<ByteRange> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparingLong(ByteRange::first));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).first() <= sorted.get(i - 1).last()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Evaluates {@code If-Range} (RFC 9110 §13.1.5): true when the Range may be honoured.
     *
     * <p>An entity-tag must match by strong comparison (a weak tag never does). A date must equal
     * Last-Modified exactly, and only counts when Last-Modified is a strong validator; per RFC 9110 §8.8.2.2
     * we treat it as strong once the file's modification second is over, i.e. it is at least one second
     * before now, so the file cannot have changed twice within the second the date names.
     *
     * @param ifRange the If-Range field value, or null when absent (then the Range applies)
     */
    public static boolean ifRangeAllows(String ifRange, String etag, long lastModifiedSeconds, long nowSeconds) {
        if (ifRange == null) {
            return true;
        }
        String value = ifRange.trim();
        if (value.startsWith("\"") || value.startsWith("W/")) {
            return ETags.strongMatch(value, etag);
        }
        Long date = ETags.parseHttpDate(value);
        return date != null && date == lastModifiedSeconds && lastModifiedSeconds < nowSeconds;
    }
}
