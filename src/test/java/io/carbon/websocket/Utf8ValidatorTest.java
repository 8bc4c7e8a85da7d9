package io.carbon.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The streaming validator against the JDK's strict UTF-8 decoder, on random input split at random places. */
class Utf8ValidatorTest {

    private static boolean jdkAccepts(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static boolean oursAccepts(byte[] bytes, Random random) {
        Utf8Validator validator = new Utf8Validator();
        int i = 0;
        while (i < bytes.length) {
            int n = 1 + random.nextInt(Math.min(12, bytes.length - i));
            ByteBuf piece = Unpooled.wrappedBuffer(bytes, i, n);
            if (!validator.feed(piece)) {
                return false;
            }
            i += n;
        }
        return validator.complete();
    }

    @Test
    void agreesWithTheJdkOnRandomBytes() {
        Random random = new Random(42);
        int valid = 0;
        for (int round = 0; round < 200_000; round++) {
            byte[] bytes = new byte[random.nextInt(12)];
            for (int i = 0; i < bytes.length; i++) {
                // Bias towards lead and continuation bytes so that multi-byte cases are common.
                int kind = random.nextInt(4);
                bytes[i] = (byte) switch (kind) {
                    case 0 -> random.nextInt(0x80);
                    case 1 -> 0x80 + random.nextInt(0x40);
                    case 2 -> 0xC0 + random.nextInt(0x40);
                    default -> random.nextInt(256);
                };
            }
            boolean jdk = jdkAccepts(bytes);
            valid += jdk ? 1 : 0;
            assertThat(oursAccepts(bytes, random)).as(java.util.HexFormat.of().formatHex(bytes)).isEqualTo(jdk);
        }
        assertThat(valid).isGreaterThan(10_000); // the sample really exercised valid input too
    }

    @Test
    void agreesWithTheJdkOnEveryCodePointEncoding() {
        Random random = new Random(1);
        for (int cp = 0; cp <= 0x10FFFF; cp += 1 + random.nextInt(64)) {
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                continue;
            }
            byte[] bytes = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
            assertThat(oursAccepts(bytes, random)).isTrue();
        }
    }

    @Test
    void longAsciiRunsUseTheFastPathAndStillCatchAnInvalidByteAfterThem() {
        byte[] bytes = ("a".repeat(1000) + "\u00e9").getBytes(StandardCharsets.UTF_8);
        assertThat(Utf8Validator.isValid(Unpooled.wrappedBuffer(bytes))).isTrue();
        bytes[500] = (byte) 0xFF;
        assertThat(Utf8Validator.isValid(Unpooled.wrappedBuffer(bytes))).isFalse();
    }
}
