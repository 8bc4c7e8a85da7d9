package io.carbon.http3;

import io.carbon.http3.QuicRetryTokens.Check;
import io.carbon.testing.LeakDetectorExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.quic.QuicTokenHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Retry tokens: round trip of the odcid at the offset Netty reads it from, binding to IP and port, every bit
 * of a token covered, length limits, expiry and skew, key rotation, shared secrets, IPv4 and IPv6.
 */
@ExtendWith(LeakDetectorExtension.class)
class QuicRetryTokensTest {

    /** An hour boundary, so key epochs (one hour by default) start exactly here. */
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final Duration LIFETIME = QuicRetryTokens.DEFAULT_LIFETIME;
    private static final Duration ROTATION = QuicRetryTokens.DEFAULT_ROTATION;
    private static final byte[] SECRET_A = bytes(32, 0xA5);
    private static final byte[] SECRET_B = bytes(32, 0x5A);

    private static final InetSocketAddress V4 = address("192.0.2.7", 50123);
    private static final InetSocketAddress V6 = address("2001:db8::7", 50123);

    private final List<ByteBuf> buffers = new ArrayList<>();
    private final FakeClock clock = new FakeClock(T0);

    @AfterEach
    void releaseBuffers() {
        synchronized (buffers) {
            buffers.forEach(ByteBuf::release);
            buffers.clear();
        }
    }

    static Stream<Arguments> addressesAndIds() {
        List<Arguments> cases = new ArrayList<>();
        for (InetSocketAddress a : List.of(V4, V6, address("127.0.0.1", 1), address("::1", 65535),
                address("10.1.2.3", 443))) {
            for (int length : new int[] {0, 1, 8, 16, 20}) {
                cases.add(Arguments.of(a, length));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} dcid of {1} bytes")
    @MethodSource("addressesAndIds")
    void tokenValidatesForItsAddressAndGivesTheDcidBackAtTheOffset(InetSocketAddress address, int dcidLength) {
        QuicRetryTokens tokens = new QuicRetryTokens(clock, LIFETIME, null);
        ByteBuf dcid = randomDcid(dcidLength);
        ByteBuf token = mint(tokens, dcid, address);

        assertThat(token.readableBytes()).isEqualTo(QuicRetryTokens.ODCID_OFFSET + dcidLength)
                .isLessThanOrEqualTo(tokens.maxTokenLength());
        int offset = tokens.validateToken(token.slice(), address);
        assertThat(offset).isEqualTo(QuicRetryTokens.ODCID_OFFSET);
        // What Netty 4.2.18 reads back: TokenValidationResult.originalDestinationConnectionId slices the token
        // from the offset to its end.
        ByteBuf odcid = token.slice(offset, token.readableBytes() - offset);
        assertThat(ByteBufUtil.getBytes(odcid)).isEqualTo(ByteBufUtil.getBytes(dcid));
        // The default three-argument method the codec calls wraps the same answer.
        assertThat(tokens.validateToken(token.slice(), address, dcid.slice()).isValid()).isTrue();
        assertThat(token.readerIndex()).isZero();
    }

    static Stream<Arguments> otherAddresses() {
        return Stream.of(
                Arguments.of(V4, address("192.0.2.8", 50123)),
                Arguments.of(V4, address("192.0.2.7", 50124)),
                Arguments.of(V4, address("7.2.0.192", 50123)),
                Arguments.of(V6, address("2001:db8::8", 50123)),
                Arguments.of(V6, address("2001:db8::7", 50122)),
                Arguments.of(V6, address("192.0.2.7", 50123)),
                Arguments.of(address("::1", 443), address("127.0.0.1", 443)));
    }

    @ParameterizedTest(name = "minted for {0}, presented from {1}")
    @MethodSource("otherAddresses")
    void anotherIpOrPortIsRejected(InetSocketAddress mintedFor, InetSocketAddress presentedFrom) {
        QuicRetryTokens tokens = new QuicRetryTokens(clock, LIFETIME, null);
        ByteBuf token = mint(tokens, randomDcid(20), mintedFor);

        assertThat(tokens.check(token, presentedFrom)).isEqualTo(Check.BAD_TAG);
        assertThat(tokens.validateToken(token, presentedFrom)).isEqualTo(-1);
        assertThat(tokens.validateToken(token, mintedFor)).isEqualTo(QuicRetryTokens.ODCID_OFFSET);
    }

    @ParameterizedTest(name = "dcid of {0} bytes")
    @MethodSource("dcidLengths")
    void everySingleFlippedBitIsRejected(int dcidLength) {
        for (byte[] secret : new byte[][] {null, SECRET_A}) {
            QuicRetryTokens tokens = new QuicRetryTokens(clock, LIFETIME, secret);
            ByteBuf token = mint(tokens, randomDcid(dcidLength), V6);
            assertThat(tokens.validateToken(token, V6)).isEqualTo(QuicRetryTokens.ODCID_OFFSET);
            for (int bit = 0; bit < token.readableBytes() * 8; bit++) {
                ByteBuf flipped = track(token.copy());
                int i = bit / 8;
                flipped.setByte(i, flipped.getByte(i) ^ (1 << (bit % 8)));
                assertThat(tokens.validateToken(flipped, V6)).as("bit %d of byte %d", bit % 8, i).isEqualTo(-1);
            }
        }
    }

    static Stream<Integer> dcidLengths() {
        return Stream.of(0, 8, 20);
    }

    @Test
    void truncatedEmptyAndOverlongTokensAreRejected() {
        QuicRetryTokens tokens = new QuicRetryTokens(clock, LIFETIME, null);
        ByteBuf token = mint(tokens, randomDcid(20), V4);
        assertThat(token.readableBytes()).isEqualTo(tokens.maxTokenLength());

        for (int length = 0; length < token.readableBytes(); length++) {
            assertThat(tokens.validateToken(token.slice(0, length), V4)).as("first %d bytes", length).isEqualTo(-1);
        }
        assertThat(tokens.check(Unpooled.EMPTY_BUFFER, V4)).isEqualTo(Check.MALFORMED);

        ByteBuf overlong = track(Unpooled.buffer()).writeBytes(token, 0, token.readableBytes()).writeByte(0);
        assertThat(overlong.readableBytes()).isGreaterThan(tokens.maxTokenLength());
        assertThat(tokens.check(overlong, V4)).isEqualTo(Check.MALFORMED);

        // A byte appended to a shorter token keeps the length legal but makes the odcid (and tag) wrong.
        ByteBuf shortToken = mint(tokens, randomDcid(8), V4);
        ByteBuf extended = track(Unpooled.buffer()).writeBytes(shortToken, 0, shortToken.readableBytes())
                .writeByte(0);
        assertThat(tokens.check(extended, V4)).isEqualTo(Check.BAD_TAG);

        ByteBuf wrongVersion = track(token.copy());
        wrongVersion.setByte(0, 2);
        assertThat(tokens.check(wrongVersion, V4)).isEqualTo(Check.UNKNOWN_VERSION);
    }

    @Test
    void aTwentyByteDcidFitsAndALongerOneIsRefused() {
        QuicRetryTokens tokens = new QuicRetryTokens(clock, LIFETIME, SECRET_A);
        assertThat(tokens.maxTokenLength()).isEqualTo(QuicRetryTokens.ODCID_OFFSET + 20);
        for (InetSocketAddress a : List.of(V4, V6)) {
            assertThat(mint(tokens, randomDcid(20), a).readableBytes()).isEqualTo(tokens.maxTokenLength());
        }
        ByteBuf tooLong = randomDcid(21);
        ByteBuf out = track(Unpooled.buffer());
        assertThatThrownBy(() -> tokens.writeToken(out, tooLong, V4)).isInstanceOf(IllegalArgumentException.class);
    }

    static Stream<Arguments> ages() {
        long life = LIFETIME.toMillis();
        return Stream.of(
                Arguments.of(0L, Check.VALID),
                Arguments.of(1L, Check.VALID),
                Arguments.of(life - 1, Check.VALID),
                Arguments.of(life, Check.EXPIRED),
                Arguments.of(life + 1, Check.EXPIRED),
                Arguments.of(Duration.ofMinutes(5).toMillis(), Check.EXPIRED),
                Arguments.of(-1L, Check.VALID),
                Arguments.of(-QuicRetryTokens.MAX_CLOCK_SKEW.toMillis(), Check.VALID),
                Arguments.of(-QuicRetryTokens.MAX_CLOCK_SKEW.toMillis() - 1, Check.FROM_FUTURE),
                Arguments.of(-Duration.ofMinutes(1).toMillis(), Check.FROM_FUTURE));
    }

    /** Age = validation time minus issue time; negative ages come from a peer instance's clock being ahead. */
    @ParameterizedTest(name = "age {0} ms -> {1}")
    @MethodSource("ages")
    void expiryAndClockSkew(long ageMillis, Check expected) {
        Instant issued = T0.plus(Duration.ofMinutes(30));
        FakeClock minterClock = new FakeClock(issued);
        FakeClock checkerClock = new FakeClock(issued.plusMillis(ageMillis));
        QuicRetryTokens minter = new QuicRetryTokens(minterClock, LIFETIME, SECRET_A);
        QuicRetryTokens checker = new QuicRetryTokens(checkerClock, LIFETIME, SECRET_A);
        ByteBuf token = mint(minter, randomDcid(8), V4);

        assertThat(checker.check(token, V4)).isEqualTo(expected);
        // The minter itself, with its clock moved the same way, agrees.
        minterClock.set(issued.plusMillis(ageMillis));
        assertThat(minter.check(token, V4)).isEqualTo(expected);
    }

    @Test
    void tokensOfTheSameInstanceExpireOnItsClock() {
        QuicRetryTokens tokens = new QuicRetryTokens(clock, LIFETIME, null);
        ByteBuf token = mint(tokens, randomDcid(8), V4);
        clock.advance(LIFETIME.minusMillis(1));
        assertThat(tokens.validateToken(token, V4)).isEqualTo(QuicRetryTokens.ODCID_OFFSET);
        clock.advance(Duration.ofMillis(1));
        assertThat(tokens.validateToken(token, V4)).isEqualTo(-1);
    }

    @ParameterizedTest(name = "shared secret: {0}")
    @MethodSource("withAndWithoutSecret")
    void aTokenFromThePreviousKeyIsAcceptedAndOneTwoRotationsOldIsNot(boolean shared) {
        byte[] secret = shared ? SECRET_A : null;
        // A long lifetime so the rotated-out key, not expiry, is what rejects the old token.
        Duration lifetime = Duration.ofMinutes(50);
        QuicRetryTokens tokens = new QuicRetryTokens(clock, lifetime, ROTATION, secret);

        clock.set(T0.plus(ROTATION).minusSeconds(1));
        ByteBuf beforeBoundary = mint(tokens, randomDcid(8), V4);
        clock.set(T0.plus(ROTATION).plusSeconds(1));
        ByteBuf afterBoundary = mint(tokens, randomDcid(8), V4);
        assertThat(beforeBoundary.getByte(1)).isNotEqualTo(afterBoundary.getByte(1));
        assertThat(tokens.check(beforeBoundary, V4)).isEqualTo(Check.VALID);
        assertThat(tokens.check(afterBoundary, V4)).isEqualTo(Check.VALID);

        // One rotation later: the token minted before the first boundary is two keys old, one minted late in
        // the second epoch is from the previous key.
        clock.set(T0.plus(ROTATION.multipliedBy(2)).minusSeconds(10));
        ByteBuf lateInSecondEpoch = mint(tokens, randomDcid(8), V4);
        clock.set(T0.plus(ROTATION.multipliedBy(2)).plusSeconds(1));
        assertThat(tokens.check(beforeBoundary, V4)).isEqualTo(Check.UNKNOWN_KEY);
        assertThat(tokens.validateToken(beforeBoundary, V4)).isEqualTo(-1);
        assertThat(tokens.check(lateInSecondEpoch, V4)).isEqualTo(Check.VALID);

        // A jump over several epochs leaves no previous key that could have minted anything live.
        clock.set(T0.plus(ROTATION.multipliedBy(7)));
        assertThat(tokens.check(afterBoundary, V4)).isEqualTo(Check.UNKNOWN_KEY);
        assertThat(tokens.check(mint(tokens, randomDcid(8), V4), V4)).isEqualTo(Check.VALID);
    }

    static Stream<Boolean> withAndWithoutSecret() {
        return Stream.of(false, true);
    }

    @Test
    void randomKeysAreNotReusedAcrossRotationsOrInstances() {
        QuicRetryTokens a = new QuicRetryTokens(clock, LIFETIME, null);
        QuicRetryTokens b = new QuicRetryTokens(clock, LIFETIME, null);
        ByteBuf token = mint(a, randomDcid(8), V4);
        assertThat(a.check(token, V4)).isEqualTo(Check.VALID);
        assertThat(b.check(token, V4)).isEqualTo(Check.BAD_TAG);

        // 256 rotations later the key id repeats, but the random key behind it is new.
        clock.set(T0.plus(ROTATION.multipliedBy(256)));
        ByteBuf later = mint(a, randomDcid(8), V4);
        assertThat(later.getByte(1)).isEqualTo(token.getByte(1));
        clock.set(T0);
        // The clock went back: the instance keeps its newer keys rather than reviving old ones.
        assertThat(a.check(token, V4)).isEqualTo(Check.BAD_TAG);
    }

    @Test
    void instancesSharingASecretAcceptEachOthersTokensAndOthersDoNot() {
        QuicRetryTokens a = new QuicRetryTokens(clock, LIFETIME, SECRET_A);
        QuicRetryTokens a2 = new QuicRetryTokens(clock, LIFETIME, SECRET_A.clone());
        QuicRetryTokens b = new QuicRetryTokens(clock, LIFETIME, SECRET_B);
        QuicRetryTokens random = new QuicRetryTokens(clock, LIFETIME, null);

        for (InetSocketAddress address : List.of(V4, V6)) {
            ByteBuf dcid = randomDcid(20);
            ByteBuf fromA = mint(a, dcid, address);
            ByteBuf fromA2 = mint(a2, dcid, address);
            assertThat(a2.validateToken(fromA, address)).isEqualTo(QuicRetryTokens.ODCID_OFFSET);
            assertThat(a.validateToken(fromA2, address)).isEqualTo(QuicRetryTokens.ODCID_OFFSET);
            assertThat(b.check(fromA, address)).isEqualTo(Check.BAD_TAG);
            assertThat(random.check(fromA, address)).isEqualTo(Check.BAD_TAG);
            assertThat(a.check(mint(b, dcid, address), address)).isEqualTo(Check.BAD_TAG);
        }
    }

    @Test
    void aPeerWhoseClockCrossedTheRotationBoundaryFirstIsAccepted() {
        FakeClock ahead = new FakeClock(T0.plus(ROTATION).plusMillis(500));
        clock.set(T0.plus(ROTATION).minusMillis(500));
        QuicRetryTokens peer = new QuicRetryTokens(ahead, LIFETIME, SECRET_A);
        QuicRetryTokens self = new QuicRetryTokens(clock, LIFETIME, SECRET_A);
        ByteBuf token = mint(peer, randomDcid(8), V6);
        assertThat(self.check(token, V6)).isEqualTo(Check.VALID);
    }

    @Test
    void theOffsetIsRelativeToTheReaderIndexWhichStaysPut() {
        QuicRetryTokens tokens = new QuicRetryTokens(clock, LIFETIME, null);
        ByteBuf dcid = randomDcid(12);
        ByteBuf packet = track(Unpooled.buffer()).writeBytes(new byte[] {1, 2, 3});
        packet.readerIndex(3);
        assertThat(tokens.writeToken(packet, dcid, V4)).isTrue();

        assertThat(tokens.validateToken(packet, V4)).isEqualTo(QuicRetryTokens.ODCID_OFFSET);
        assertThat(packet.readerIndex()).isEqualTo(3);
        ByteBuf asNettyPassesIt = packet.slice();
        int offset = tokens.validateToken(asNettyPassesIt, V4);
        assertThat(ByteBufUtil.getBytes(asNettyPassesIt.slice(offset, asNettyPassesIt.readableBytes() - offset)))
                .isEqualTo(ByteBufUtil.getBytes(dcid));
    }

    @Test
    void writesIntoADirectBufferOfMaxTokenLengthLikeTheCodec() {
        QuicRetryTokens tokens = new QuicRetryTokens();
        ByteBuf mint = track(Unpooled.directBuffer(tokens.maxTokenLength()));
        ByteBuf dcid = track(Unpooled.directBuffer(20)).writeBytes(bytes(20, 0x33));
        assertThat(tokens.writeToken(mint, dcid, V6)).isTrue();
        assertThat(mint.capacity()).isEqualTo(tokens.maxTokenLength());
        assertThat(tokens.validateToken(mint.slice(), V6)).isEqualTo(QuicRetryTokens.ODCID_OFFSET);
        assertThat(dcid.readerIndex()).isZero();
    }

    @Test
    void constructorRefusesWhatWouldBreakTheGuarantees() {
        assertThatThrownBy(() -> new QuicRetryTokens(clock, LIFETIME, new byte[15]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 16");
        assertThatThrownBy(() -> new QuicRetryTokens(clock, Duration.ZERO, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new QuicRetryTokens(clock, Duration.ofSeconds(10), Duration.ofSeconds(11), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rotation");
        // The secret is copied: changing the caller's array afterwards changes nothing.
        byte[] secret = SECRET_A.clone();
        QuicRetryTokens tokens = new QuicRetryTokens(clock, LIFETIME, secret);
        ByteBuf token = mint(tokens, randomDcid(8), V4);
        secret[0] ^= 1;
        assertThat(tokens.check(token, V4)).isEqualTo(Check.VALID);
    }

    @Test
    void concurrentMintingAndCheckingAcrossARotation() throws Exception {
        QuicTokenHandler tokens = new QuicRetryTokens(clock, LIFETIME, SECRET_A);
        clock.set(T0.plus(ROTATION).minusSeconds(1));
        List<Throwable> failures = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            final int n = t;
            threads.add(new Thread(() -> {
                try {
                    for (int i = 0; i < 500; i++) {
                        if (n == 0 && i == 250) {
                            clock.advance(Duration.ofSeconds(2));
                        }
                        InetSocketAddress a = i % 2 == 0 ? V4 : V6;
                        ByteBuf dcid = Unpooled.wrappedBuffer(bytes(20, i));
                        ByteBuf token = Unpooled.buffer(tokens.maxTokenLength());
                        try {
                            tokens.writeToken(token, dcid, a);
                            int offset = tokens.validateToken(token, a);
                            if (offset != QuicRetryTokens.ODCID_OFFSET
                                    || !token.slice(offset, token.readableBytes() - offset).equals(dcid)) {
                                throw new AssertionError("token " + i + " of thread " + n + " did not validate");
                            }
                        } finally {
                            token.release();
                            dcid.release();
                        }
                    }
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(failures).isEmpty();
    }

    private ByteBuf mint(QuicTokenHandler tokens, ByteBuf dcid, InetSocketAddress address) {
        ByteBuf out = track(Unpooled.buffer(tokens.maxTokenLength()));
        int before = dcid.readerIndex();
        assertThat(tokens.writeToken(out, dcid, address)).isTrue();
        assertThat(dcid.readerIndex()).isEqualTo(before);
        return out;
    }

    private ByteBuf randomDcid(int length) {
        byte[] id = new byte[length];
        ThreadLocalRandom.current().nextBytes(id);
        return track(Unpooled.wrappedBuffer(id));
    }

    private ByteBuf track(ByteBuf buf) {
        synchronized (buffers) {
            buffers.add(buf);
        }
        return buf;
    }

    private static byte[] bytes(int length, int value) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (value + i);
        }
        return b;
    }

    private static InetSocketAddress address(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A clock the test moves by hand; volatile so the concurrency test's threads see the move. */
    private static final class FakeClock extends Clock {
        private volatile Instant now;

        FakeClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public long millis() {
            return now.toEpochMilli();
        }
    }
}
