package io.carbon.logging;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A log line built as bytes: every field is written as printable ASCII, anything else escaped (as
 * {@code \xHH} in the combined format, as JSON escapes in the JSON format), so the line is its own encoding
 * and the writer thread only copies it to the file. One instance per event loop, reused line after line
 * ({@link #reset()}).
 */
final class LogLine {

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    /** RFC 8259 shows its {@code \}{@code u} escapes in lower case; either case is valid. */
    private static final byte[] HEX_LOWER = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private static final int INITIAL_BYTES = 256;
    /** A buffer grown past this by a huge line is let go rather than kept for the event loop's lifetime. */
    private static final int KEPT_BYTES = 16 * 1024;

    private byte[] bytes = new byte[INITIAL_BYTES];
    private int length;
    private InetAddress lastAddress;
    private byte[] lastAddressText;

    LogLine reset() {
        if (bytes.length > KEPT_BYTES) {
            bytes = new byte[INITIAL_BYTES];
        }
        length = 0;
        return this;
    }

    /** The line so far, as a new array of exactly its length. */
    byte[] toBytes() {
        return Arrays.copyOf(bytes, length);
    }

    LogLine append(char ascii) {
        ensure(1);
        bytes[length++] = (byte) ascii;
        return this;
    }

    /** Appends {@code ascii}, which the caller knows to be printable ASCII (fixed text, digits). */
    LogLine appendAscii(String ascii) {
        int n = ascii.length();
        ensure(n);
        ascii.getBytes(0, n, bytes, length); // deprecated for its lossy narrowing, exactly right for ASCII
        length += n;
        return this;
    }

    LogLine appendAscii(byte[] ascii) {
        ensure(ascii.length);
        System.arraycopy(ascii, 0, bytes, length, ascii.length);
        length += ascii.length;
        return this;
    }

    LogLine appendDecimal(long value) {
        if (value < 0) {
            append('-');
            value = -value; // log values are sizes, times and statuses: never Long.MIN_VALUE
        }
        if (value <= Integer.MAX_VALUE) {
            return appendDecimal((int) value); // int division by 10 is a multiplication; long division is not
        }
        return appendAscii(Long.toString(value));
    }

    private LogLine appendDecimal(int value) {
        int digits = 1;
        for (int bound = 10; digits < 10 && value >= bound; bound *= 10) {
            digits++;
        }
        ensure(digits);
        for (int i = length + digits - 1; i >= length; i--) {
            bytes[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        length += digits;
        return this;
    }

    /** Appends a time in seconds with millisecond precision, like nginx's {@code $request_time}: {@code 0.003}. */
    LogLine appendSeconds(long nanos) {
        long millis = Math.max(0, nanos) / 1_000_000;
        long fraction = millis % 1000;
        appendDecimal(millis / 1000).append('.');
        if (fraction < 100) {
            append('0');
        }
        if (fraction < 10) {
            append('0');
        }
        return appendDecimal(fraction);
    }

    /**
     * Appends {@code address} as {@link InetAddress#getHostAddress()} writes it, escaped. The text of the last
     * address is kept: every line of a connection, and most lines of a busy client, repeat it.
     */
    LogLine appendAddress(InetAddress address) {
        if (address.equals(lastAddress)) {
            return appendAscii(lastAddressText);
        }
        int start = length;
        appendEscaped(address.getHostAddress(), Integer.MAX_VALUE, "");
        lastAddressText = Arrays.copyOfRange(bytes, start, length);
        lastAddress = address;
        return this;
    }

    /**
     * Appends at most {@code maxChars} characters of {@code s}, then {@code truncated} when it was longer,
     * escaping everything outside printable ASCII plus {@code "} and {@code \}: characters up to 0xFF as the
     * byte they stand for (Netty decodes request bytes as ISO-8859-1), others as their UTF-8 bytes.
     */
    LogLine appendEscaped(String s, int maxChars, String truncated) {
        int end = Math.min(s.length(), maxChars);
        ensure(end);
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
                ensure(1);
                bytes[length++] = (byte) c;
            } else if (c <= 0xFF) {
                appendHex(c);
            } else {
                int codePoint = c;
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    codePoint = Character.toCodePoint(c, s.charAt(++i));
                } else if (Character.isSurrogate(c)) {
                    codePoint = 0xFFFD; // a lone surrogate has no UTF-8 form
                }
                appendUtf8(codePoint);
            }
        }
        if (s.length() > maxChars) {
            appendAscii(truncated);
        }
        return this;
    }

    /**
     * Appends {@code address} as {@link #appendAddress} does, but as the inside of a JSON string. A host
     * address is letters, digits, '.', ':' and '%' with a scope name, which both escapings leave as they are;
     * only a scope name that needed a {@code \xHH} (never in practice) is escaped again, the JSON way.
     */
    LogLine appendJsonAddress(InetAddress address) {
        int start = length;
        appendAddress(address);
        for (int i = start; i < length; i++) {
            if (bytes[i] == '\\') {
                length = start;
                return appendJsonEscaped(address.getHostAddress(), Integer.MAX_VALUE, "");
            }
        }
        return this;
    }

    /**
     * Appends at most {@code maxChars} characters of {@code s} as the inside of a JSON string (RFC 8259
     * section 7), then {@code truncated} when it was longer, as printable ASCII only: {@code "} and {@code \}
     * escaped, the short escapes for BS, HT, LF, FF and CR, and {@code \}{@code uXXXX} for other control
     * characters, DEL and everything non-ASCII.
     *
     * <p>Characters 0x80..0xFF stand for the bytes Netty decoded as ISO-8859-1: a run of them that is
     * well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF) is written as the
     * character it encodes; any other such byte as the character of the same number, its ISO-8859-1 reading,
     * so no byte is lost and the result is always valid. Characters above 0xFF are written as they are (a
     * surrogate pair as its two escapes); a lone surrogate, which JSON parsers may refuse, becomes U+FFFD.
     */
    LogLine appendJsonEscaped(String s, int maxChars, String truncated) {
        int end = Math.min(s.length(), maxChars);
        ensure(end);
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7F) {
                if (c == '"' || c == '\\') {
                    ensure(2);
                    bytes[length++] = '\\';
                }
                ensure(1);
                bytes[length++] = (byte) c;
            } else if (c < 0x20) {
                switch (c) {
                    case '\b' -> appendShortEscape('b');
                    case '\t' -> appendShortEscape('t');
                    case '\n' -> appendShortEscape('n');
                    case '\f' -> appendShortEscape('f');
                    case '\r' -> appendShortEscape('r');
                    default -> appendUnicodeEscape(c);
                }
            } else if (c <= 0xFF) {
                int sequence = utf8Sequence(s, i, end);
                if (sequence == 0) {
                    appendUnicodeEscape(c); // DEL, or a byte that is not part of well-formed UTF-8
                } else {
                    appendCodePointEscape(decodeUtf8(s, i, sequence));
                    i += sequence - 1;
                }
            } else if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(s.charAt(i + 1))) {
                appendUnicodeEscape(c);
                appendUnicodeEscape(s.charAt(++i));
            } else {
                appendUnicodeEscape(Character.isSurrogate(c) ? 0xFFFD : c);
            }
        }
        if (s.length() > maxChars) {
            appendJsonEscaped(truncated, Integer.MAX_VALUE, "");
        }
        return this;
    }

    /**
     * How many characters, from {@code i}, are the bytes of one well-formed UTF-8 sequence (2 to 4), or 0.
     * The ranges of the second byte are RFC 3629 section 4's, which rule out overlong forms, surrogates and
     * code points above U+10FFFF.
     */
    private static int utf8Sequence(String s, int i, int end) {
        int lead = s.charAt(i);
        int n;
        int low = 0x80;
        int high = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            n = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            n = 3;
            if (lead == 0xE0) {
                low = 0xA0;
            } else if (lead == 0xED) {
                high = 0x9F;
            }
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            n = 4;
            if (lead == 0xF0) {
                low = 0x90;
            } else if (lead == 0xF4) {
                high = 0x8F;
            }
        } else {
            return 0;
        }
        if (i + n > end) {
            return 0;
        }
        for (int k = 1; k < n; k++) {
            int b = s.charAt(i + k);
            if (b < low || b > high) {
                return 0;
            }
            low = 0x80;
            high = 0xBF;
        }
        return n;
    }

    private static int decodeUtf8(String s, int i, int n) {
        int cp = s.charAt(i) & (0xFF >> (n + 1));
        for (int k = 1; k < n; k++) {
            cp = cp << 6 | s.charAt(i + k) & 0x3F;
        }
        return cp;
    }

    private void appendCodePointEscape(int cp) {
        if (cp < 0x10000) {
            appendUnicodeEscape(cp);
        } else {
            appendUnicodeEscape(Character.highSurrogate(cp));
            appendUnicodeEscape(Character.lowSurrogate(cp));
        }
    }

    private void appendShortEscape(char c) {
        ensure(2);
        bytes[length++] = '\\';
        bytes[length++] = (byte) c;
    }

    private void appendUnicodeEscape(int c) {
        ensure(6);
        bytes[length++] = '\\';
        bytes[length++] = 'u';
        bytes[length++] = HEX_LOWER[c >> 12 & 0xF];
        bytes[length++] = HEX_LOWER[c >> 8 & 0xF];
        bytes[length++] = HEX_LOWER[c >> 4 & 0xF];
        bytes[length++] = HEX_LOWER[c & 0xF];
    }

    private void appendUtf8(int cp) {
        if (cp < 0x800) {
            appendHex(0xC0 | cp >> 6);
            appendHex(0x80 | cp & 0x3F);
        } else if (cp < 0x10000) {
            appendHex(0xE0 | cp >> 12);
            appendHex(0x80 | cp >> 6 & 0x3F);
            appendHex(0x80 | cp & 0x3F);
        } else {
            appendHex(0xF0 | cp >> 18);
            appendHex(0x80 | cp >> 12 & 0x3F);
            appendHex(0x80 | cp >> 6 & 0x3F);
            appendHex(0x80 | cp & 0x3F);
        }
    }

    private void appendHex(int b) {
        ensure(4);
        bytes[length++] = '\\';
        bytes[length++] = 'x';
        bytes[length++] = HEX[b >> 4 & 0xF];
        bytes[length++] = HEX[b & 0xF];
    }

    private void ensure(int more) {
        if (length + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
        }
    }
}
