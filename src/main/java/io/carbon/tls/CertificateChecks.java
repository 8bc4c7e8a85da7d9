package io.carbon.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Sanity checks on a certificate chain and its key, done before the chain is handed to the TLS stack so the
 * operator gets a message naming the files rather than a handshake failure at the first client.
 */
final class CertificateChecks {

    /** Let's Encrypt renews 30 days ahead; 14 days left means renewal has been failing for two weeks. */
    static final Duration EXPIRY_WARNING = Duration.ofDays(14);

    private CertificateChecks() {
    }

    /**
     * Fails unless {@code key} belongs to the leaf certificate (the first of {@code chain}): a server that
     * sends a certificate it cannot sign for fails every handshake (RFC 8446 §4.4.3 CertificateVerify).
     */
    static void requireKeyMatchesLeaf(PrivateKey key, X509Certificate[] chain, Path keyFile, Path certFile)
            throws TlsException {
        if (matches(key, chain[0].getPublicKey())) {
            return;
        }
        for (int i = 1; i < chain.length; i++) {
            if (matches(key, chain[i].getPublicKey())) {
                throw new TlsException(keyFile + ": the private key does not match the first certificate in "
                        + certFile + " but certificate " + (i + 1) + " (" + subject(chain[i])
                        + "); put the server's own certificate first, then the intermediates");
            }
        }
        throw new TlsException(keyFile + ": the private key does not match the certificate in " + certFile
                + " (" + subject(chain[0]) + ")");
    }

    /** Sign random bytes with the private key and verify with the certificate's public key. */
    private static boolean matches(PrivateKey key, PublicKey certificateKey) {
        String algorithm = key.getAlgorithm();
        if (!algorithm.equals(certificateKey.getAlgorithm())) {
            return false;
        }
        String signatureAlgorithm = switch (algorithm) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (signatureAlgorithm == null) {
            // A key type we cannot test (e.g. RSASSA-PSS); the TLS stack will reject a real mismatch itself.
            return true;
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(signatureAlgorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(signatureAlgorithm);
            verifier.initVerify(certificateKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            // Different curves, or a key the provider cannot use with this certificate: not a pair.
            return false;
        }
    }

    /** Warnings, not errors: an expired certificate still lets the operator reach the server to fix it. */
    static void warnAboutValidity(X509Certificate leaf, Path certFile, Clock clock, Consumer<String> warnings) {
        Instant now = clock.instant();
        Instant notBefore = leaf.getNotBefore().toInstant();
        Instant notAfter = leaf.getNotAfter().toInstant();
        if (now.isAfter(notAfter)) {
            warnings.accept(certFile + ": the certificate (" + subject(leaf) + ") expired on " + notAfter
                    + "; clients will refuse it until it is renewed");
        } else if (now.isBefore(notBefore)) {
            warnings.accept(certFile + ": the certificate (" + subject(leaf) + ") is not valid before "
                    + notBefore + "; check the system clock");
        } else if (now.plus(EXPIRY_WARNING).isAfter(notAfter)) {
            long days = Duration.between(now, notAfter).toDays();
            warnings.accept(certFile + ": the certificate (" + subject(leaf) + ") expires on " + notAfter
                    + " (in " + days + (days == 1 ? " day" : " days") + "); renew it");
        }
    }

    /**
     * RFC 8446 §4.4.2 asks for the sender's certificate first, each following one certifying the one before;
     * clients are only required to tolerate other orders since TLS 1.3, so older ones may fail.
     */
    static void warnAboutOrder(X509Certificate[] chain, Path certFile, Consumer<String> warnings) {
        for (int i = 0; i + 1 < chain.length; i++) {
            if (!chain[i].getIssuerX500Principal().equals(chain[i + 1].getSubjectX500Principal())) {
                warnings.accept(certFile + ": certificate " + (i + 2) + " (" + subject(chain[i + 1])
                        + ") did not issue certificate " + (i + 1) + " (" + subject(chain[i])
                        + "); the chain should be the server's certificate first, then each issuer in order");
                return;
            }
        }
    }

    static String subject(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }
}
