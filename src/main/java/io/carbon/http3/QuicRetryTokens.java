package io.carbon.http3;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.QuicTokenHandler;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * QUIC address validation with Retry tokens that cannot be forged and are accepted only for a short time
 * (RFC 9000 §8.1.2–§8.1.4). Netty ships only {@code InsecureQuicTokenHandler}, whose tokens carry no MAC and
 * no expiry, so anyone can mint one for any address.
 *
 * <h2>How Netty uses a token handler (netty-codec-classes-quic 4.2.18)</h2>
 * {@code QuicheQuicServerCodec.handleServer}: an Initial without a token makes the codec call
 * {@link #writeToken}; when it returns {@code true} the codec answers with a Retry packet carrying the token
 * ({@code quiche_retry}) and keeps no state. An Initial with a token makes the codec call
 * {@code validateToken(token.slice(), sender, dcid.slice())}, whose default (not overridden here) calls
 * {@link #validateToken(ByteBuf, InetSocketAddress)}: {@code -1} drops the packet, any other value {@code o}
 * becomes {@code TokenValidationResult.odcidFromToken(o)}, and the original destination connection id is then
 * read as {@code token.slice(o, token.readableBytes() - o)} — from {@code o} to the <em>end</em> of the
 * token. That is why the odcid is the last field of the layout below and the MAC tag sits before it. The
 * token handed in is a fresh slice (reader index 0), so the offset returned is relative to the reader index;
 * this class never moves the reader index. Quiche then accepts the connection with that odcid, sets the
 * {@code original_destination_connection_id} transport parameter from it (which the client checks, RFC 9000
 * §7.3) and marks the peer address as verified.
 *
 * <h2>Token layout (26 + odcid length bytes, at most {@value #MAX_TOKEN_LENGTH})</h2>
 * <pre>
 *  offset  size  field
 *   0       1    version ({@value #VERSION})
 *   1       1    key id: the low 8 bits of the key's rotation epoch
 *   2       8    issued at, milliseconds since the epoch (big endian)
 *  10      16    HMAC-SHA256 tag truncated to 16 bytes
 *  26    0..20   original destination connection id, up to the end of the token
 * </pre>
 * The tag covers bytes 0..9, the odcid's length and bytes, and the client's address (address length, IP bytes,
 * UDP port), which is bound by the MAC but not stored. Validation rejects, without telling the client why: a
 * length outside 26..46, an unknown version, a key id that is neither the current nor the previous key (nor,
 * with a shared secret, the next one, for a peer whose clock crossed the rotation boundary first), a token
 * issued more than {@link #MAX_CLOCK_SKEW} in the future, a token as old as the lifetime or older, and a tag
 * that does not match (compared in constant time with {@link MessageDigest#isEqual}); a different IP or port
 * is a tag mismatch. The cheap checks run before the MAC so garbage costs no HMAC. Netty drops an Initial
 * whose token fails silently (no INVALID_TOKEN close, RFC 9000 §8.1.2), and a client accepts only one Retry
 * per connection (§17.2.5.2), so a rejected echo makes that connection attempt time out. Binding the port
 * therefore means a NAT rebinding inside the one round trip of a Retry costs the client a reconnect; quic-go
 * binds only the IP for that reason, Carbon prefers the tighter binding (the port is part of the address
 * RFC 9000 §8 validates).
 *
 * <h2>Keys</h2>
 * Keys rotate every {@code rotation} (default one hour), counted in epochs of the clock
 * ({@code floor(millis / rotation)}); a token minted with the previous key stays valid until it expires, one
 * two rotations old is rejected by its key id. Without a shared secret each epoch's key is 32 bytes from
 * {@link SecureRandom} and lives only in this instance. With a shared secret the key of epoch {@code e} is
 * {@code HMAC-SHA256(secret, "carbon quic retry token v1" || e)}, so instances behind one address that share
 * the secret, the rotation interval and a clock (within {@link #MAX_CLOCK_SKEW}) accept each other's tokens
 * without talking. Rotation happens lazily on the next call after an epoch boundary (an immutable holder
 * swapped by compare-and-set), so the class is thread-safe and needs no timer.
 *
 * <h2>Replay</h2>
 * RFC 9000 §8.1.4 asks servers to limit token replay and to accept Retry tokens only for a short time. A
 * token can be replayed from the same IP and port until it expires (default {@link #DEFAULT_LIFETIME}, as
 * quic-go's {@code protocol.RetryTokenValidity}); a replay from any other address fails the MAC, so a captured
 * token cannot make Carbon send to a victim that did not ask.
 *
 * <h2>Amplification</h2>
 * RFC 9000 §8.1 forbids a server from sending more than three times the bytes it received from an address it
 * has not validated. Quiche (inside Netty's QUIC codec) enforces that limit itself: while
 * {@code verified_peer_address} is false, every received datagram adds {@code 3 * len} to
 * {@code max_send_bytes} (quiche {@code src/lib.rs}, {@code MAX_AMPLIFICATION_FACTOR}). With this handler every
 * new connection first gets a Retry — one small packet per Initial, smaller than the at least 1200-byte
 * Initial that caused it (RFC 9000 §14.1) — and no handshake bytes flow until the client echoes a valid token
 * from the address it claims. Quiche then treats the address as verified ({@code verified_peer_address:
 * odcid.is_some()}) and lifts the 3x limit, which is exactly why the token must be unforgeable: with
 * {@code InsecureQuicTokenHandler} an attacker can mint a token for a victim's address and get the
 * certificate flight sent there unlimited. So Carbon is never an amplification reflector.
 *
 * <p>{@code QuicServerCodecBuilder.tokenHandler(null)} (or never calling it) installs Netty's package-private
 * {@code NoQuicTokenHandler}: {@code writeToken} returns {@code false}, so no Retry is sent and the handshake
 * starts on the first Initial from an unvalidated address (quiche's 3x limit is then the only protection,
 * and saves the round trip), and in 4.2.18 its {@code validateToken} returns {@code -1}, so an Initial that
 * carries any token is dropped. The cost of this class is one extra round trip per new connection: Netty's
 * {@code QuicTokenHandler} has no hook for NEW_TOKEN frames (RFC 9000 §8.1.3), so a returning client cannot
 * skip the Retry. {@link #writeToken} always returns {@code true}; a caller wanting Retry only under load could
 * wrap this class and return {@code false} while few handshakes are pending (validation of echoed tokens must
 * stay on).
 */
public final class QuicRetryTokens implements QuicTokenHandler {

    /** The default token lifetime: a Retry's echo arrives within one round trip. */
    public static final Duration DEFAULT_LIFETIME = Duration.ofSeconds(10);
    /** The default key rotation interval. */
    public static final Duration DEFAULT_ROTATION = Duration.ofHours(1);
    /** How far in the future a token's issue time may be (clocks of instances sharing a secret). */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofSeconds(2);
    /** The shortest shared secret accepted, in bytes. */
    public static final int MIN_SECRET_LENGTH = 16;

    static final int VERSION = 1;
    /** RFC 9000 §17.2: a QUIC v1 connection id is at most 20 bytes. */
    static final int MAX_CONN_ID_LENGTH = 20;
    static final int TAG_LENGTH = 16;
    static final int HEADER_LENGTH = 1 + 1 + 8;
    /** Where the original destination connection id starts: what {@link #validateToken} returns. */
    static final int ODCID_OFFSET = HEADER_LENGTH + TAG_LENGTH;
    static final int MAX_TOKEN_LENGTH = ODCID_OFFSET + MAX_CONN_ID_LENGTH;

    private static final String HMAC = "HmacSHA256";
    private static final int KEY_LENGTH = 32;
    private static final byte[] DERIVATION_LABEL = "carbon quic retry token v1".getBytes(StandardCharsets.US_ASCII);
    /** header, odcid length + odcid, address length + IPv6 address, port. */
    private static final int MAX_MAC_INPUT = HEADER_LENGTH + 1 + MAX_CONN_ID_LENGTH + 1 + 16 + 2;

    /** Why a token was refused; package-private so tests can tell a rotated-out key from an expired token. */
    enum Check {
        VALID, MALFORMED, UNKNOWN_VERSION, UNKNOWN_KEY, FROM_FUTURE, EXPIRED, BAD_TAG
    }

    private final Clock clock;
    private final long lifetimeMillis;
    private final long rotationMillis;
    private final long skewMillis = MAX_CLOCK_SKEW.toMillis();
    private final byte[] sharedSecret;
    private final SecureRandom random;
    private final AtomicReference<Keys> keys;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    /**
     * Tokens valid for {@link #DEFAULT_LIFETIME} under random keys rotated every {@link #DEFAULT_ROTATION}, on
     * the system clock.
     */
    public QuicRetryTokens() {
        this(Clock.systemUTC(), DEFAULT_LIFETIME, null);
    }

    /**
     * @param clock              the time tokens are issued and checked at
     * @param lifetime           how long a token is accepted after it was issued
     * @param sharedSecretOrNull a secret shared by instances that must accept each other's tokens (at least
     *                           {@value #MIN_SECRET_LENGTH} bytes; copied), or {@code null} for random keys
     */
    public QuicRetryTokens(Clock clock, Duration lifetime, byte[] sharedSecretOrNull) {
        this(clock, lifetime, DEFAULT_ROTATION, sharedSecretOrNull);
    }

    /**
     * @param clock              the time tokens are issued and checked at
     * @param lifetime           how long a token is accepted after it was issued; positive
     * @param rotation           how often keys rotate; at least {@code lifetime + MAX_CLOCK_SKEW}, so a token
     *                           always expires before its key is dropped. Instances sharing a secret must use
     *                           the same value.
     * @param sharedSecretOrNull a secret shared by instances that must accept each other's tokens (at least
     *                           {@value #MIN_SECRET_LENGTH} bytes; copied), or {@code null} for random keys
     */
    public QuicRetryTokens(Clock clock, Duration lifetime, Duration rotation, byte[] sharedSecretOrNull) {
        this.clock = Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(lifetime, "lifetime");
        Objects.requireNonNull(rotation, "rotation");
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("lifetime must be positive: " + lifetime);
        }
        if (rotation.compareTo(lifetime.plus(MAX_CLOCK_SKEW)) < 0) {
            throw new IllegalArgumentException("rotation " + rotation + " must be at least lifetime " + lifetime
                    + " plus the clock skew " + MAX_CLOCK_SKEW + ", or valid tokens would lose their key");
        }
        if (sharedSecretOrNull != null && sharedSecretOrNull.length < MIN_SECRET_LENGTH) {
            throw new IllegalArgumentException("shared secret must be at least " + MIN_SECRET_LENGTH
                    + " bytes, got " + sharedSecretOrNull.length);
        }
        this.lifetimeMillis = lifetime.toMillis();
        this.rotationMillis = rotation.toMillis();
        this.sharedSecret = sharedSecretOrNull == null ? null : sharedSecretOrNull.clone();
        this.random = sharedSecretOrNull == null ? new SecureRandom() : null;
        this.keys = new AtomicReference<>(initialKeys(epochOf(clock.millis())));
    }

    /**
     * Writes a token binding {@code dcid} to {@code address} at the current time.
     *
     * @throws IllegalArgumentException if {@code dcid} is longer than 20 bytes or the address is unresolved
     *                                  (Netty guarantees neither happens)
     */
    @Override
    public boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address) {
        int odcidLength = dcid.readableBytes();
        if (odcidLength > MAX_CONN_ID_LENGTH) {
            throw new IllegalArgumentException("connection id of " + odcidLength + " bytes, at most "
                    + MAX_CONN_ID_LENGTH + " allowed (RFC 9000 §17.2)");
        }
        InetAddress ip = address.getAddress();
        if (ip == null) {
            throw new IllegalArgumentException("unresolved address " + address);
        }
        long now = clock.millis();
        Keys k = keysAt(now);
        Scratch s = scratch.get();
        byte[] in = s.input;
        in[0] = VERSION;
        in[1] = (byte) k.epoch;
        putLong(in, 2, now);
        in[HEADER_LENGTH] = (byte) odcidLength;
        dcid.getBytes(dcid.readerIndex(), in, HEADER_LENGTH + 1, odcidLength);
        int n = appendAddress(in, HEADER_LENGTH + 1 + odcidLength, ip, address.getPort());
        s.tag(k.current, n, s.expected);

        out.ensureWritable(ODCID_OFFSET + odcidLength);
        out.writeBytes(in, 0, HEADER_LENGTH);
        out.writeBytes(s.expected, 0, TAG_LENGTH);
        out.writeBytes(dcid, dcid.readerIndex(), odcidLength);
        return true;
    }

    /**
     * Returns {@value #ODCID_OFFSET}, the index (from the token's reader index) where the original destination
     * connection id starts and runs to the token's end, or {@code -1} if the token is malformed, forged,
     * expired, from another address or signed with a key no longer (or never) known here.
     */
    @Override
    public int validateToken(ByteBuf token, InetSocketAddress address) {
        return check(token, address) == Check.VALID ? ODCID_OFFSET : -1;
    }

    /** {@value #MAX_TOKEN_LENGTH}: a token for a 20-byte connection id. */
    @Override
    public int maxTokenLength() {
        return MAX_TOKEN_LENGTH;
    }

    Check check(ByteBuf token, InetSocketAddress address) {
        int length = token.readableBytes();
        if (length < ODCID_OFFSET || length > MAX_TOKEN_LENGTH) {
            return Check.MALFORMED;
        }
        InetAddress ip = address.getAddress();
        if (ip == null) {
            return Check.MALFORMED;
        }
        int r = token.readerIndex();
        if (token.getUnsignedByte(r) != VERSION) {
            return Check.UNKNOWN_VERSION;
        }
        long now = clock.millis();
        SecretKeySpec key = keysAt(now).forId(token.getUnsignedByte(r + 1));
        if (key == null) {
            return Check.UNKNOWN_KEY;
        }
        long age = now - token.getLong(r + 2);
        if (age < -skewMillis) {
            return Check.FROM_FUTURE;
        }
        if (age >= lifetimeMillis) {
            return Check.EXPIRED;
        }
        int odcidLength = length - ODCID_OFFSET;
        Scratch s = scratch.get();
        byte[] in = s.input;
        token.getBytes(r, in, 0, HEADER_LENGTH);
        in[HEADER_LENGTH] = (byte) odcidLength;
        token.getBytes(r + ODCID_OFFSET, in, HEADER_LENGTH + 1, odcidLength);
        int n = appendAddress(in, HEADER_LENGTH + 1 + odcidLength, ip, address.getPort());
        s.tag(key, n, s.expected);
        token.getBytes(r + HEADER_LENGTH, s.received, 0, TAG_LENGTH);
        return MessageDigest.isEqual(s.expected, s.received) ? Check.VALID : Check.BAD_TAG;
    }

    private long epochOf(long millis) {
        return Math.floorDiv(millis, rotationMillis);
    }

    /** The keys for {@code now}, rotating them first if an epoch boundary has passed since the last call. */
    private Keys keysAt(long now) {
        long epoch = epochOf(now);
        Keys k = keys.get();
        // A clock that went back keeps the newer keys: tokens minted meanwhile carry their epoch as key id.
        while (epoch > k.epoch) {
            Keys next = rotated(k, epoch);
            if (keys.compareAndSet(k, next)) {
                return next;
            }
            k = keys.get();
        }
        return k;
    }

    private Keys initialKeys(long epoch) {
        if (sharedSecret != null) {
            return new Keys(epoch, derive(epoch), derive(epoch - 1), derive(epoch + 1));
        }
        return new Keys(epoch, randomKey(), null, null);
    }

    private Keys rotated(Keys old, long epoch) {
        if (sharedSecret != null) {
            return new Keys(epoch, derive(epoch), derive(epoch - 1), derive(epoch + 1));
        }
        // Random keys: the old current key becomes the previous one only if it belongs to epoch - 1.
        return new Keys(epoch, randomKey(), epoch == old.epoch + 1 ? old.current : null, null);
    }

    private SecretKeySpec randomKey() {
        byte[] bytes = new byte[KEY_LENGTH];
        random.nextBytes(bytes);
        return new SecretKeySpec(bytes, HMAC);
    }

    private SecretKeySpec derive(long epoch) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(sharedSecret, HMAC));
            mac.update(DERIVATION_LABEL);
            byte[] e = new byte[8];
            putLong(e, 0, epoch);
            return new SecretKeySpec(mac.doFinal(e), HMAC);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
        }
    }

    private static int appendAddress(byte[] in, int at, InetAddress ip, int port) {
        byte[] addr = ip.getAddress();
        in[at++] = (byte) addr.length;
        System.arraycopy(addr, 0, in, at, addr.length);
        at += addr.length;
        in[at++] = (byte) (port >>> 8);
        in[at++] = (byte) port;
        return at;
    }

    private static void putLong(byte[] b, int at, long v) {
        for (int i = 7; i >= 0; i--) {
            b[at + i] = (byte) v;
            v >>>= 8;
        }
    }

    /** The keys of one rotation epoch; immutable, replaced whole on rotation. */
    private static final class Keys {
        final long epoch;
        final SecretKeySpec current;
        final SecretKeySpec previous;
        final SecretKeySpec next;

        Keys(long epoch, SecretKeySpec current, SecretKeySpec previous, SecretKeySpec next) {
            this.epoch = epoch;
            this.current = current;
            this.previous = previous;
            this.next = next;
        }

        SecretKeySpec forId(int id) {
            if (id == (int) (epoch & 0xFF)) {
                return current;
            }
            if (id == (int) ((epoch - 1) & 0xFF)) {
                return previous;
            }
            if (id == (int) ((epoch + 1) & 0xFF)) {
                return next;
            }
            return null;
        }
    }

    /** Per-thread MAC and buffers, so minting and checking a token allocate almost nothing. */
    private static final class Scratch {
        final Mac mac;
        final byte[] input = new byte[MAX_MAC_INPUT];
        final byte[] full = new byte[32];
        final byte[] expected = new byte[TAG_LENGTH];
        final byte[] received = new byte[TAG_LENGTH];

        Scratch() {
            try {
                mac = Mac.getInstance(HMAC);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
            }
        }

        void tag(SecretKeySpec key, int inputLength, byte[] into) {
            try {
                mac.init(key);
                mac.update(input, 0, inputLength);
                mac.doFinal(full, 0);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
            System.arraycopy(full, 0, into, 0, TAG_LENGTH);
        }
    }
}
