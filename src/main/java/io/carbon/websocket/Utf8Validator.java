package io.carbon.websocket;

import io.netty.buffer.ByteBuf;

/**
 * Streaming UTF-8 validation (RFC 3629, RFC 6455 §8.1): bytes may arrive split anywhere, across fragments and
 * across TCP reads, and the first byte that can no longer be part of valid UTF-8 is reported at once (so a bad
 * message fails fast, before its end arrives). Rejects overlong forms, surrogates (U+D800–U+DFFF) and code
 * points above U+10FFFF by narrowing the range allowed for the byte after a lead byte, as the WHATWG decoder does.
 * One instance per message stream; not thread-safe.
 */
final class Utf8Validator {

    /** Continuation bytes still expected in the current sequence. */
    private int needed;
    /** Allowed range of the next continuation byte (narrower right after some lead bytes). */
    private int lower = 0x80;
    private int upper = 0xBF;

    /** Starts a new message. */
    void reset() {
        needed = 0;
        lower = 0x80;
        upper = 0xBF;
    }

    /** True when no sequence is left open: a message may end here. */
    boolean complete() {
        return needed == 0;
    }

    /** Feeds the readable bytes of {@code buf} (indices untouched); false at the first invalid byte. */
    boolean feed(ByteBuf buf) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        while (i < end) {
            if (needed == 0 && end - i >= 8 && (buf.getLong(i) & 0x8080808080808080L) == 0) {
                i += 8; // eight ASCII bytes at once: the common case for text
                continue;
            }
            if (!feed(buf.getByte(i++) & 0xFF)) {
                return false;
            }
        }
        return true;
    }

    private boolean feed(int b) {
        if (needed == 0) {
            if (b < 0x80) {
                return true;
            }
            if (b >= 0xC2 && b <= 0xDF) {
                needed = 1;
            } else if (b >= 0xE0 && b <= 0xEF) {
                needed = 2;
                if (b == 0xE0) {
                    lower = 0xA0; // E0 80..9F would be an overlong form
                } else if (b == 0xED) {
                    upper = 0x9F; // ED A0..BF would encode a surrogate
                }
            } else if (b >= 0xF0 && b <= 0xF4) {
                needed = 3;
                if (b == 0xF0) {
                    lower = 0x90; // overlong
                } else if (b == 0xF4) {
                    upper = 0x8F; // above U+10FFFF
                }
            } else {
                return false; // 80..C1 (continuation or overlong lead) and F5..FF never start a sequence
            }
            return true;
        }
        if (b < lower || b > upper) {
            return false;
        }
        lower = 0x80;
        upper = 0xBF;
        needed--;
        return true;
    }

    /** Validates a complete byte sequence (a close reason, a published body). */
    static boolean isValid(ByteBuf buf) {
        Utf8Validator validator = new Utf8Validator();
        return validator.feed(buf) && validator.complete();
    }
}
