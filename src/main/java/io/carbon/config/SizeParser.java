package io.carbon.config;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte sizes as written in server.conf: a whole number of bytes with an optional binary unit
 * ({@code k}/{@code K}/{@code KiB}, {@code m}/{@code M}/{@code MiB}, {@code g}/{@code G}/{@code GiB}).
 * Decimal units such as {@code KB} are rejected on purpose: whether they mean 1000 or 1024 is ambiguous.
 */
final class SizeParser {

    private static final Pattern SIZE = Pattern.compile("(\\d{1,19})\\s*([A-Za-z]*)");

    private static final Map<String, Long> UNITS = Map.of(
            "", 1L,
            "k", 1L << 10, "K", 1L << 10, "KiB", 1L << 10,
            "m", 1L << 20, "M", 1L << 20, "MiB", 1L << 20,
            "g", 1L << 30, "G", 1L << 30, "GiB", 1L << 30);

    private SizeParser() {
    }

    /** The size in bytes, or -1 when the text is not a size (or does not fit in a long). */
    static long parse(String raw) {
        Matcher m = SIZE.matcher(raw);
        if (!m.matches()) {
            return -1;
        }
        Long unit = UNITS.get(m.group(2));
        if (unit == null) {
            return -1;
        }
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
        } catch (ArithmeticException | NumberFormatException e) {
            return -1;
        }
    }

    /** The largest binary unit that divides the size exactly: {@code 1MiB}, {@code 16KiB}, {@code 1000}. */
    static String format(long bytes) {
        if (bytes != 0 && bytes % (1L << 30) == 0) {
            return bytes / (1L << 30) + "GiB";
        }
        if (bytes != 0 && bytes % (1L << 20) == 0) {
            return bytes / (1L << 20) + "MiB";
        }
        if (bytes != 0 && bytes % (1L << 10) == 0) {
            return bytes / (1L << 10) + "KiB";
        }
        return Long.toString(bytes);
    }
}
