package io.carbon.tls;

import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * OCSP stapling for one certificate (RFC 6066 §8, RFC 6960): fetches the CA's signed status of the server's
 * certificate from the responder named in the certificate, keeps it, and hands it to each new TLS handshake,
 * so clients learn it is not revoked without asking the CA themselves (faster, and private).
 *
 * <p>Fetching runs on the scheduler's thread, never on an event loop. A good response is refreshed halfway
 * between its thisUpdate and nextUpdate, like most servers do, so a responder outage of up to half the
 * validity goes unnoticed by clients. A failed fetch is retried with exponential backoff; meanwhile the last
 * good response is still stapled until its nextUpdate and dropped after it (a stale staple makes strict
 * clients fail the handshake, no staple only makes them ask themselves). A "revoked" answer is logged as an
 * error and never stapled; "unknown" is a warning and not stapled either.
 */
final class OcspStapler {

    /** The latest response worth stapling: the DER bytes and until when. */
    private record Staple(byte[] der, Instant thisUpdate, Instant nextUpdate) {
    }

    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** When the response has no nextUpdate (RFC 6960 §4.2.2.1: newer information is always available). */
    static final Duration REFRESH_WITHOUT_NEXT_UPDATE = Duration.ofHours(1);
    static final Duration MIN_REFRESH = Duration.ofMinutes(1);
    static final Duration MAX_BACKOFF = Duration.ofHours(1);

    private final URI responder;
    private final X509Certificate leaf;
    private final X509Certificate issuer;
    private final CertificateID id;
    private final ScheduledExecutorService scheduler;
    private final HttpClient http;
    private final TlsLog log;
    private final Clock clock;
    private final Duration firstBackoff;
    private final String subject;

    private volatile Staple current;
    private volatile boolean closed;
    private Duration backoff;
    private ScheduledFuture<?> next;

    OcspStapler(URI responder, X509Certificate leaf, X509Certificate issuer, ScheduledExecutorService scheduler,
                HttpClient http, TlsLog log, Clock clock, Duration firstBackoff) throws TlsException {
        this.responder = responder;
        this.leaf = leaf;
        this.issuer = issuer;
        this.scheduler = scheduler;
        this.http = http;
        this.log = log;
        this.clock = clock;
        this.firstBackoff = firstBackoff;
        this.backoff = firstBackoff;
        this.subject = CertificateChecks.subject(leaf);
        try {
            // SHA-1 in the CertID is what RFC 6960 responders (and RFC 5019 "lightweight" ones) must support.
            this.id = new CertificateID(new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
                    new JcaX509CertificateHolder(issuer), leaf.getSerialNumber());
        } catch (OCSPException | OperatorCreationException | CertificateEncodingException e) {
            throw new TlsException("OCSP stapling: cannot identify " + subject + " to its responder: "
                    + PemFiles.reason(e), e);
        }
    }

    /**
     * The first {@code http} OCSP responder URL in the certificate's Authority Information Access extension
     * (RFC 5280 §4.2.2.1), or null when it names none.
     */
    static URI responder(X509Certificate certificate) {
        byte[] extension = certificate.getExtensionValue(Extension.authorityInfoAccess.getId());
        if (extension == null) {
            return null;
        }
        try {
            AuthorityInformationAccess access = AuthorityInformationAccess.getInstance(
                    ASN1Primitive.fromByteArray(DEROctetString.getInstance(extension).getOctets()));
            for (AccessDescription description : access.getAccessDescriptions()) {
                GeneralName location = description.getAccessLocation();
                if (description.getAccessMethod().equals(AccessDescription.id_ad_ocsp)
                        && location.getTagNo() == GeneralName.uniformResourceIdentifier) {
                    URI uri = URI.create(location.getName().toString());
                    if ("http".equalsIgnoreCase(uri.getScheme())) {
                        return uri;
                    }
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            // A malformed extension: clients will not find a responder there either.
            return null;
        }
        return null;
    }

    /** Starts fetching now. */
    void start() {
        schedule(Duration.ZERO);
    }

    /** Stops refreshing (the certificate was replaced or the server stops); the last staple stays readable. */
    synchronized void close() {
        closed = true;
        if (next != null) {
            next.cancel(false);
        }
    }

    /** The response to staple on a new handshake, or null: none yet, revoked, or past its nextUpdate. */
    byte[] response() {
        Staple staple = current;
        if (staple == null) {
            return null;
        }
        if (staple.nextUpdate() != null && clock.instant().isAfter(staple.nextUpdate())) {
            current = null;
            log.warn("OCSP stapling: the response for " + subject + " expired at " + staple.nextUpdate()
                    + " and no new one could be fetched from " + responder + "; handshakes go without a staple");
            return null;
        }
        return staple.der();
    }

    private synchronized void schedule(Duration delay) {
        if (!closed) {
            next = scheduler.schedule(this::refresh, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void refresh() {
        if (closed) {
            return;
        }
        try {
            Staple staple = fetch();
            current = staple;
            backoff = firstBackoff;
            Duration delay = refreshDelay(staple, clock.instant());
            log.info("OCSP stapling: " + subject + " is good according to " + responder + " (this update "
                    + staple.thisUpdate() + (staple.nextUpdate() != null ? ", next update " + staple.nextUpdate()
                    : "") + "); refreshing in " + readable(delay));
            schedule(delay);
        } catch (Revoked e) {
            current = null;
            log.error("OCSP stapling: " + e.getMessage() + "; not stapled. Replace the certificate.");
            // Asked again now and then: a responder mistake would be corrected, a real revocation stays logged.
            schedule(MAX_BACKOFF);
        } catch (IOException | RuntimeException e) {
            Staple kept = current;
            log.warn("OCSP stapling: fetching the status of " + subject + " from " + responder + " failed: "
                    + PemFiles.reason(e) + "; retrying in " + readable(backoff)
                    + (kept != null ? ", stapling the previous response until "
                    + (kept.nextUpdate() != null ? kept.nextUpdate() : "then") : ""));
            Duration delay = backoff;
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            schedule(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String readable(Duration duration) {
        return duration.toMillis() < 1000 ? duration.toMillis() + " ms" : duration.toSeconds() + " s";
    }

    /** Halfway from thisUpdate to nextUpdate, but not sooner than {@link #MIN_REFRESH}. */
    static Duration refreshDelay(Instant thisUpdate, Instant nextUpdate, Instant now) {
        if (nextUpdate == null) {
            return REFRESH_WITHOUT_NEXT_UPDATE;
        }
        Instant at = thisUpdate.plus(Duration.between(thisUpdate, nextUpdate).dividedBy(2));
        Duration delay = Duration.between(now, at);
        return delay.compareTo(MIN_REFRESH) < 0 ? MIN_REFRESH : delay;
    }

    private static Duration refreshDelay(Staple staple, Instant now) {
        return refreshDelay(staple.thisUpdate(), staple.nextUpdate(), now);
    }

    /** One request to the responder and a checked answer. */
    private Staple fetch() throws IOException, InterruptedException, Revoked {
        byte[] request;
        try {
            request = new OCSPReqBuilder().addRequest(id).build().getEncoded();
        } catch (OCSPException e) {
            throw new IOException("cannot build the OCSP request: " + PemFiles.reason(e), e);
        }
        // POST (RFC 6960 Appendix A.1); GET would allow caching by proxies, which a server does not need.
        HttpResponse<byte[]> answer = http.send(HttpRequest.newBuilder(responder)
                        .timeout(REQUEST_TIMEOUT)
                        .header("Content-Type", "application/ocsp-request")
                        .header("Accept", "application/ocsp-response")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(request))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (answer.statusCode() != 200) {
            throw new IOException("the responder answered HTTP " + answer.statusCode());
        }
        return check(answer.body());
    }

    /** Parses and checks a response: successful, signed by the issuer (or its delegate), about our certificate. */
    private Staple check(byte[] der) throws IOException, Revoked {
        OCSPResp response = new OCSPResp(der);
        if (response.getStatus() != OCSPResp.SUCCESSFUL) {
            throw new IOException("the responder refused the request (OCSP response status "
                    + response.getStatus() + ")");
        }
        BasicOCSPResp basic;
        try {
            basic = (BasicOCSPResp) response.getResponseObject();
        } catch (OCSPException | ClassCastException e) {
            throw new IOException("not a basic OCSP response: " + PemFiles.reason(e), e);
        }
        if (basic == null) {
            throw new IOException("the OCSP response is empty");
        }
        verifySignature(basic);
        for (SingleResp single : basic.getResponses()) {
            if (!single.getCertID().equals(id)) {
                continue;
            }
            CertificateStatus status = single.getCertStatus();
            if (status instanceof RevokedStatus revoked) {
                throw new Revoked("the CA's responder " + responder + " says the certificate " + subject
                        + " (serial " + leaf.getSerialNumber().toString(16).toUpperCase(Locale.ROOT)
                        + ") was REVOKED on " + revoked.getRevocationTime().toInstant());
            }
            if (status instanceof UnknownStatus) {
                throw new IOException("the responder does not know the certificate (status unknown)");
            }
            Instant thisUpdate = single.getThisUpdate().toInstant();
            Instant nextUpdate = single.getNextUpdate() != null ? single.getNextUpdate().toInstant() : null;
            if (nextUpdate != null && clock.instant().isAfter(nextUpdate)) {
                throw new IOException("the response is already out of date (next update " + nextUpdate + ")");
            }
            return new Staple(der, thisUpdate, nextUpdate);
        }
        throw new IOException("the response is not about this certificate");
    }

    /**
     * Signed by the issuer itself, or by a responder certificate the issuer signed for OCSP signing (RFC 6960
     * §4.2.2.2). Clients check this too; stapling a response they reject would fail their handshakes.
     */
    private void verifySignature(BasicOCSPResp basic) throws IOException {
        try {
            ContentVerifierProvider byIssuer = new JcaContentVerifierProviderBuilder().build(issuer.getPublicKey());
            if (basic.isSignatureValid(byIssuer)) {
                return;
            }
            for (X509CertificateHolder delegate : basic.getCerts()) {
                if (delegate.isSignatureValid(byIssuer)
                        && delegate.getExtensions() != null
                        && org.bouncycastle.asn1.x509.ExtendedKeyUsage.fromExtensions(delegate.getExtensions()) != null
                        && org.bouncycastle.asn1.x509.ExtendedKeyUsage.fromExtensions(delegate.getExtensions())
                        .hasKeyPurposeId(KeyPurposeId.id_kp_OCSPSigning)
                        && basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(delegate))) {
                    return;
                }
            }
        } catch (OCSPException | OperatorCreationException | org.bouncycastle.cert.CertException
                 | java.security.cert.CertificateException e) {
            throw new IOException("cannot verify the response's signature: " + PemFiles.reason(e), e);
        }
        throw new IOException("the response is not signed by the issuer (" + CertificateChecks.subject(issuer)
                + ") or a responder it authorised");
    }

    /** The responder says the certificate is revoked. */
    private static final class Revoked extends Exception {
        Revoked(String message) {
            super(message);
        }
    }
}
