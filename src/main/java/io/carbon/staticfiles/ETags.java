package io.carbon.staticfiles;

import io.netty.handler.codec.DateFormatter;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * Validators for files (RFC 9110 §8.8) and entity-tag comparison (RFC 9110 §8.8.3.2).
 *
 * <p>The ETag is strong and built from size, modification time in nanoseconds and inode, formatted
 * {@code "<size hex>-<mtime hex>-<inode hex>"}: any write changes mtime or size, and replacing the file
 * (e.g. an atomic rename during a deploy) changes the inode even when size and mtime are preserved.
 * Nothing is hashed, so it costs no read of the file.
 */
public final class ETags {

    private ETags() {
    }

    /** The strong ETag for a file, quotes included. */
    public static String etag(FileStat stat) {
        return etag(stat.size(), stat.mtimeNanos(), stat.identity());
    }

    /** The strong ETag for these file properties, quotes included. */
    public static String etag(long size, long mtimeNanos, long identity) {
        return '"' + Long.toHexString(size) + '-' + Long.toHexString(mtimeNanos) + '-'
                + Long.toHexString(identity) + '"';
    }

    /**
     * The ETag of a content-coded representation derived from {@code etag}: {@code "abc"} becomes
     * {@code "abc-br"}. RFC 9110 §8.8.3 requires a different strong validator for a different representation,
     * or a cache could combine identity and compressed bytes in one range response.
     */
    public static String withSuffix(String etag, String suffix) {
        return etag.substring(0, etag.length() - 1) + '-' + suffix + '"';
    }

    /** An HTTP-date in IMF-fixdate form (RFC 9110 §5.6.7), seconds precision. */
    public static String httpDate(long epochSeconds) {
        return DateFormatter.format(new Date(epochSeconds * 1000L));
    }

    /**
     * Parses an HTTP-date in any of the three forms a recipient must accept (RFC 9110 §5.6.7: IMF-fixdate,
     * obsolete RFC 850, asctime).
     *
     * @return seconds since the epoch, or null when the value is not a date (callers then ignore the field)
     */
    public static Long parseHttpDate(String value) {
        if (value == null) {
            return null;
        }
        Date date = DateFormatter.parseHttpDate(value.trim());
        return date == null ? null : Math.floorDiv(date.getTime(), 1000L);
    }

    /**
     * Splits an entity-tag list ({@code #entity-tag}, RFC 9110 §8.8.3) into its tags, each with quotes and
     * any {@code W/} prefix. Elements that are not entity-tags are skipped: they can match nothing.
     */
    public static List<String> parseList(String value) {
        List<String> tags = new ArrayList<>(2);
        int i = 0;
        int n = value.length();
        while (i < n) {
            char c = value.charAt(i);
            if (c == ' ' || c == '\t' || c == ',') {
                i++;
                continue;
            }
            int start = i;
            if (value.startsWith("W/\"", i)) {
                i += 2;
            }
            if (i < n && value.charAt(i) == '"') {
                int close = value.indexOf('"', i + 1);
                if (close < 0) {
                    return tags; // unterminated: nothing after it can be parsed reliably
                }
                tags.add(value.substring(start, close + 1));
                i = close + 1;
            } else {
                // Not an entity-tag (e.g. an unquoted token): skip to the next list element.
                int comma = value.indexOf(',', i);
                i = comma < 0 ? n : comma + 1;
            }
        }
        return tags;
    }

    /** True when the field value is the list wildcard {@code *}. */
    public static boolean isWildcard(String value) {
        return value.trim().equals("*");
    }

    /** Strong comparison: both tags strong and opaque-tags identical (RFC 9110 §8.8.3.2). */
    public static boolean strongMatch(String a, String b) {
        return !isWeak(a) && !isWeak(b) && a.equals(b);
    }

    /** Weak comparison: opaque-tags identical, weakness ignored (RFC 9110 §8.8.3.2). */
    public static boolean weakMatch(String a, String b) {
        return opaque(a).equals(opaque(b));
    }

    static boolean isWeak(String tag) {
        return tag.startsWith("W/");
    }

    private static String opaque(String tag) {
        return isWeak(tag) ? tag.substring(2) : tag;
    }
}
