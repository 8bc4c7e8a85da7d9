package io.carbon.logging;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A log line built as bytes: every field is written as printable ASCII, anything else escaped as
 * {@code \xHH}, so the line is its own encoding and the writer thread only copies it to the file. One
 * instance per event loop, reused line after line ({@link #reset()}).
 */
final class LogLine {

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

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
