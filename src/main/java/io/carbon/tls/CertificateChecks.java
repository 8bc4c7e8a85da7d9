package io.carbon.tls;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
     * The chain to send: the certificate that {@code key} signs for first (RFC 8446 §4.4.2: "the sender's
     * certificate MUST come in the first CertificateEntry"), then each issuer in turn. A file in another order
     * is put right with a warning rather than refused: Netty's key store (and TLS 1.2 clients) would reject it,
     * and the fix is mechanical. Certificates that are not on the leaf's path are dropped, with a warning.
     *
     * @throws TlsException when the key signs for none of the certificates
     */
    static X509Certificate[] arrange(PrivateKey key, X509Certificate[] chain, CertificateFiles files,
                                     Consumer<String> warnings) throws TlsException {
        int leafIndex = -1;
        for (int i = 0; i < chain.length && leafIndex < 0; i++) {
            if (matches(key, chain[i].getPublicKey())) {
                leafIndex = i;
            }
        }
        if (leafIndex < 0) {
            throw new TlsException(files.keyName() + ": the private key does not match the certificate in "
                    + files.cert() + " (" + subject(chain[0]) + ")");
        }
        List<X509Certificate> remaining = new ArrayList<>(Arrays.asList(chain));
        List<X509Certificate> ordered = new ArrayList<>();
        ordered.add(remaining.remove(leafIndex));
        if (leafIndex != 0) {
            warnings.accept(files.certName() + ": the server's certificate (" + subject(ordered.get(0)) + ") is number "
                    + (leafIndex + 1) + " in the file, it should be first; sending it first");
        }
        for (X509Certificate last = ordered.get(0); !isSelfIssued(last); ) {
            X509Certificate issuer = null;
            for (X509Certificate candidate : remaining) {
                if (candidate.getSubjectX500Principal().equals(last.getIssuerX500Principal())) {
                    issuer = candidate;
                    break;
                }
            }
            if (issuer == null) {
                break;
            }
            remaining.remove(issuer);
            ordered.add(issuer);
            last = issuer;
        }
        for (X509Certificate stray : remaining) {
            warnings.accept(files.certName() + ": certificate " + (indexOf(chain, stray) + 1) + " (" + subject(stray)
                    + ") did not issue any other certificate in the chain and is not sent");
        }
        X509Certificate[] result = ordered.toArray(new X509Certificate[0]);
        if (leafIndex == 0 && remaining.isEmpty() && !Arrays.equals(result, chain)) {
            warnings.accept(files.certName() + ": the intermediate certificates are out of order (each should be followed "
                    + "by its issuer); sending them in the right order");
        }
        return result;
    }

    private static boolean isSelfIssued(X509Certificate certificate) {
        return certificate.getIssuerX500Principal().equals(certificate.getSubjectX500Principal());
    }

    private static int indexOf(X509Certificate[] chain, X509Certificate certificate) {
        for (int i = 0; i < chain.length; i++) {
            if (chain[i] == certificate) {
                return i;
            }
        }
        return -1;
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

    /** What is wrong with a certificate's validity period, if anything, and the message saying so. */
    record Validity(Problem problem, String message) {
    }

    /** Ordered by severity. */
    enum Problem {
        /** Past notAfter: every client refuses it. */
        EXPIRED,
        /** Before notBefore: usually a wrong clock, here or at the CA. */
        NOT_YET_VALID,
        /** Within {@link #EXPIRY_WARNING} of notAfter: renewal is probably failing. */
        EXPIRES_SOON
    }

    /**
     * The leaf's validity problem at {@code clock}'s time, or null when there is none. At start and on reload
     * each is only a warning (an expired certificate still lets the operator reach the server to fix it);
     * {@code --check} refuses {@link Problem#EXPIRED}.
     *
     * @param certName how to name the file (see {@link CertificateFiles})
     */
    static Validity validity(X509Certificate leaf, String certName, Clock clock) {
        Instant now = clock.instant();
        Instant notBefore = leaf.getNotBefore().toInstant();
        Instant notAfter = leaf.getNotAfter().toInstant();
        if (now.isAfter(notAfter)) {
            return new Validity(Problem.EXPIRED, certName + ": the certificate (" + subject(leaf) + ") expired on "
                    + notAfter + "; clients will refuse it until it is renewed");
        }
        if (now.isBefore(notBefore)) {
            return new Validity(Problem.NOT_YET_VALID, certName + ": the certificate (" + subject(leaf)
                    + ") is not valid before " + notBefore + "; check the system clock");
        }
        // Carbon's own self-signed certificate is renewed by SelfSignedRenewal (3 days ahead), and the WebTransport
        // one is never valid for more than 13 days: a warning to "renew it" would be noise on every load.
        if (now.plus(EXPIRY_WARNING).isAfter(notAfter) && !SelfSignedCertificate.isOwn(leaf)) {
            long days = Duration.between(now, notAfter).toDays();
            return new Validity(Problem.EXPIRES_SOON, certName + ": the certificate (" + subject(leaf)
                    + ") expires on " + notAfter + " (in " + days + (days == 1 ? " day" : " days") + "); renew it");
        }
        return null;
    }

    static String subject(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }
}
