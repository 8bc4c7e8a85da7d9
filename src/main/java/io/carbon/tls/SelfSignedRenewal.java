package io.carbon.tls;

import io.carbon.config.ServerConfig;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Keeps Carbon's own self-signed certificate (see {@link SelfSignedCertificate}) valid: checked at start, after
 * each reload ({@link #checkSoon()}) and every {@link #PERIOD}, on a daemon thread of its own (the check reads a
 * file and may make a key: never on an event loop). A WebTransport certificate lives only 13 days, so without
 * this a demo left running would stop working within two weeks.
 *
 * <p>A check reads the certificate file (not the certificate in service: an operator may have put another there
 * and not reloaded yet) and acts only when that file holds a certificate Carbon made ({@link
 * SelfSignedCertificate#isOwn}); a certificate anyone else provided is never touched. Carbon's own is replaced,
 * key and certificate, and the TLS context reloaded, when
 * <ul>
 *   <li>less than {@link #RENEW_BEFORE} of its validity remains (either kind: the 397-day one too), or</li>
 *   <li>{@code self_signed_for_webtransport} is on and it does not meet the WebTransport requirements (it was made
 *       before the key was turned on), so turning the key on needs no manual step.</li>
 * </ul>
 * The hourly period is there so that a laptop that slept through a day still renews soon after it wakes; a check
 * that has nothing to do costs one small file read.
 */
public final class SelfSignedRenewal implements AutoCloseable {

    /** Renewed when less than this remains: days of margin for a page that fetched the hash a while ago. */
    public static final Duration RENEW_BEFORE = Duration.ofDays(3);
    /** How often the file is looked at. */
    public static final Duration PERIOD = Duration.ofHours(1);

    /**
     * What a check looks at: the configuration in force and the context serving its certificate files.
     *
     * @param config the configuration in force (its certificate paths, server_name and
     *               self_signed_for_webtransport are read)
     * @param tls    the context serving those files
     */
    public record Target(ServerConfig config, ReloadableSslContext tls) {
    }

    /** What one check did. */
    public enum Outcome {
        /** No TLS, or the certificate file could not be read (start and reload report that themselves). */
        NOTHING_TO_CHECK,
        /** The file holds a certificate Carbon did not make: left alone. */
        NOT_OWN,
        /** Carbon's own, and good for a while longer. */
        FRESH,
        /** A new pair was written and is now being served. */
        RENEWED,
        /** The file was already new (e.g. {@code --gen-cert}) but the context still served the old one. */
        RELOADED,
        /** Writing or loading the new pair failed (logged); tried again at the next check. */
        FAILED
    }

    private final Supplier<Target> target;
    private final TlsLog log;
    private final Clock clock;
    private ScheduledExecutorService thread;

    /**
     * @param target what to check now, or null when there is no TLS; read at every check, so a reload that
     *               changes the paths or the key is followed
     * @param log    renewals (info) and failures (error)
     */
    public SelfSignedRenewal(Supplier<Target> target, TlsLog log) {
        this(target, log, Clock.systemUTC());
    }

    SelfSignedRenewal(Supplier<Target> target, TlsLog log, Clock clock) {
        this.target = target;
        this.log = log;
        this.clock = clock;
    }

    /** Checks now, then every {@link #PERIOD}, on a daemon thread named {@code carbon-cert-renewal}. */
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        thread = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread made = new Thread(task, "carbon-cert-renewal");
            made.setDaemon(true);
            return made;
        });
        thread.scheduleWithFixedDelay(this::checkQuietly, 0, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A check as soon as the thread is free (after a reload, which may have turned the key on). */
    public synchronized void checkSoon() {
        if (thread != null && !thread.isShutdown()) {
            thread.execute(this::checkQuietly);
        }
    }

    @Override
    public synchronized void close() {
        if (thread != null) {
            thread.shutdownNow();
        }
    }

    private void checkQuietly() {
        try {
            check();
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again: log it and keep the schedule.
            log.error("self-signed certificate renewal failed: " + e);
        }
    }

    /** One check, on the caller's thread (tests call it directly). */
    public synchronized Outcome check() {
        Target now = target.get();
        if (now == null || now.tls() == null || !now.config().network().useHttps()) {
            return Outcome.NOTHING_TO_CHECK;
        }
        CertificateFiles files = CertificateFiles.of(now.config());
        X509Certificate onDisk;
        try {
            onDisk = PemFiles.readChain(files.cert(), files.certName())[0];
        } catch (TlsException | RuntimeException e) {
            return Outcome.NOTHING_TO_CHECK;
        }
        if (!SelfSignedCertificate.isOwn(onDisk)) {
            return Outcome.NOT_OWN;
        }
        boolean forWebTransport = now.config().tls().selfSignedForWebTransport();
        if (!due(onDisk, forWebTransport)) {
            X509Certificate served = now.tls().currentLeaf();
            if (!served.equals(onDisk) && SelfSignedCertificate.isOwn(served) && due(served, forWebTransport)) {
                return reload(now, files, served, Outcome.RELOADED);
            }
            return Outcome.FRESH;
        }
        String serverName = now.config().network().serverName();
        try {
            SelfSignedCertificate.generate(files.cert(), files.key(), serverName, forWebTransport);
        } catch (TlsException e) {
            log.error("cannot renew the self-signed certificate (" + CertificateChecks.subject(onDisk)
                    + ", valid until " + onDisk.getNotAfter().toInstant() + "): " + e.getMessage());
            return Outcome.FAILED;
        }
        return reload(now, files, onDisk, Outcome.RENEWED);
    }

    /** Less than {@link #RENEW_BEFORE} left, or not what WebTransport accepts while the key asks for that. */
    private boolean due(X509Certificate certificate, boolean forWebTransport) {
        Instant renewAt = certificate.getNotAfter().toInstant().minus(RENEW_BEFORE);
        return !clock.instant().isBefore(renewAt)
                || (forWebTransport && !SelfSignedCertificate.suitsWebTransport(certificate));
    }

    /** @param old the certificate being replaced, for the log */
    private Outcome reload(Target now, CertificateFiles files, X509Certificate old, Outcome success) {
        try {
            now.tls().reload();
        } catch (TlsException e) {
            log.error("the renewed self-signed certificate did not load, still serving the one valid until "
                    + now.tls().currentLeaf().getNotAfter().toInstant() + ": " + e.getMessage());
            return Outcome.FAILED;
        }
        X509Certificate leaf = now.tls().currentLeaf();
        log.info((success == Outcome.RENEWED ? "renewed the self-signed certificate " : "loaded the self-signed "
                + "certificate ") + files.cert() + " (" + CertificateChecks.subject(leaf) + "): valid until "
                + leaf.getNotAfter().toInstant() + " (the previous one until " + old.getNotAfter().toInstant()
                + "), SHA-256 " + HexFormat.of().formatHex(CertificateHashRoute.sha256(leaf))
                + (SelfSignedCertificate.suitsWebTransport(leaf) ? "; pages using serverCertificateHashes must "
                + "fetch " + CertificateHashRoute.PATH + " again" : ""));
        return success;
    }
}
