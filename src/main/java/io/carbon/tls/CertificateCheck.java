package io.carbon.tls;

import io.carbon.config.NetworkConfig;
import io.carbon.config.ServerConfig;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.function.Consumer;

/**
 * The certificate part of {@code --check}: validates what the server would load at start, the way it loads it
 * (like {@code nginx -t}): the same files, read and checked by the same code, and the real server context built
 * from them, so a pair that start would refuse is refused here too. One thing is stricter than start: an
 * expired certificate is an error here (start serves it, with a warning, so the machine stays reachable), since
 * {@code --check} is what a deploy or renewal hook runs before it reloads.
 */
public final class CertificateCheck {

    private CertificateCheck() {
    }

    /**
     * Checks the certificate and key of {@code config} when {@code use_https} is on.
     *
     * @param notes    what was checked, one line each (for standard output)
     * @param warnings problems start would only warn about: expiring within 14 days, not yet valid, chain order
     * @throws TlsException the first problem that start would refuse, or an expired certificate; the message
     *                      starts with the setting that named the file and where it was made
     */
    public static void run(ServerConfig config, Clock clock, Consumer<String> notes, Consumer<String> warnings)
            throws TlsException {
        NetworkConfig network = config.network();
        if (!network.useHttps()) {
            notes.accept("TLS: use_https = false, no certificate to check");
            return;
        }
        CertificateFiles files = CertificateFiles.of(config);
        if (SelfSignedCertificate.bothMissing(files.cert(), files.key())) {
            notes.accept("TLS: " + files.certName() + " and " + files.keyName()
                    + " do not exist: at start Carbon will generate a SELF-SIGNED certificate there for "
                    + network.serverName() + ", localhost, 127.0.0.1 and ::1 (browsers will warn; "
                    + "use a real certificate in production)");
            return;
        }
        TlsContexts.Pair pair = TlsContexts.readPair(files, warnings);
        CertificateChecks.Validity validity = CertificateChecks.validity(pair.leaf(), files.certName(), clock);
        if (validity != null && validity.problem() == CertificateChecks.Problem.EXPIRED) {
            throw new TlsException(validity.message());
        }
        if (validity != null) {
            warnings.accept(validity.message());
        }
        // Built and dropped: not reference counted, the GC frees it (see ReloadableSslContext).
        TlsContexts.context(pair, files, config.tls(), network.enableHttp2(), warnings, null);
        X509Certificate leaf = pair.leaf();
        notes.accept("TLS: certificate " + CertificateChecks.subject(leaf) + " valid until "
                + leaf.getNotAfter().toInstant() + ", " + pair.chain().length
                + (pair.chain().length == 1 ? " certificate" : " certificates") + " sent, "
                + pair.key().getAlgorithm() + " key matches (" + files.cert() + ", " + files.key() + ")");
    }
}
