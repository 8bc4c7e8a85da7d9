package io.carbon.tls;

import io.netty.handler.ssl.OpenSslServerContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Session ticket keys for a BoringSSL context (RFC 5077 for TLS 1.2, RFC 8446 §4.6.1 for TLS 1.3).
 *
 * <p>Netty turns tickets off on its OpenSSL contexts ({@code SSL_OP_NO_TICKET}) until keys are set, and
 * BoringSSL cannot resume TLS 1.3 sessions without tickets, so without this TLS 1.3 clients (all current
 * browsers) would never resume. Keys are random, live only in memory, and rotate every session timeout: the
 * newest key encrypts, the previous one still decrypts, so a ticket stays usable for at least one full
 * timeout, and a stolen key exposes at most two timeouts' worth of resumed sessions (forward secrecy).
 */
final class TicketKeys {

    private final OpenSslServerContext context;
    private final SecureRandom random = new SecureRandom();
    private final LongSupplier nanoTime;
    private final long rotationNanos;
    private OpenSslSessionTicketKey current;
    private long rotatedAt;

    TicketKeys(OpenSslServerContext context, Duration rotation, LongSupplier nanoTime) {
        this.context = context;
        this.nanoTime = nanoTime;
        this.rotationNanos = Math.max(Duration.ofMinutes(1).toNanos(), rotation.toNanos());
        this.current = newKey();
        this.rotatedAt = nanoTime.getAsLong();
        context.sessionContext().setTicketKeys(current);
    }

    /** Called for each new connection; cheap unless a rotation is due. */
    void rotateIfDue() {
        synchronized (this) {
            long now = nanoTime.getAsLong();
            if (now - rotatedAt < rotationNanos) {
                return;
            }
            OpenSslSessionTicketKey previous = current;
            current = newKey();
            rotatedAt = now;
            // The first key encrypts new tickets; the others are only tried for decryption.
            context.sessionContext().setTicketKeys(current, previous);
        }
    }

    private OpenSslSessionTicketKey newKey() {
        byte[] name = new byte[OpenSslSessionTicketKey.NAME_SIZE];
        byte[] hmac = new byte[OpenSslSessionTicketKey.HMAC_KEY_SIZE];
        byte[] aes = new byte[OpenSslSessionTicketKey.AES_KEY_SIZE];
        random.nextBytes(name);
        random.nextBytes(hmac);
        random.nextBytes(aes);
        return new OpenSslSessionTicketKey(name, hmac, aes);
    }
}
