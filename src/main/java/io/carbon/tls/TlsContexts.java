package io.carbon.tls;

import io.carbon.config.TlsConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslServerContext;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;

import javax.net.ssl.SSLException;
import java.net.URI;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.function.Consumer;

/**
 * Builds the server {@link SslContext} for {@code https_port} from a PEM certificate chain and private key:
 * TLS 1.3 and 1.2 only, forward-secret AEAD ciphers, ALPN ({@code h2}, {@code http/1.1}), session resumption.
 * BoringSSL (netty-tcnative) is used when it loads, the JDK's TLS otherwise.
 */
public final class TlsContexts {

    static final String TLS_1_3 = "TLSv1.3";
    static final String TLS_1_2 = "TLSv1.2";

    /**
     * IANA names, which both Netty's OpenSSL binding and the JDK understand. TLS 1.2: ECDHE only (forward
     * secrecy) and AEAD only (no CBC: Lucky13, POODLE-style padding oracles), ECDSA before RSA so a dual-cert
     * setup prefers the cheaper signature; AES-128 first (fast with AES-NI, strength is not the weak point).
     * This is Mozilla's "intermediate" profile. TLS 1.3 suites are the three every stack enables by default;
     * they are listed so the JDK provider keeps TLS 1.3 enabled (BoringSSL ignores TLS 1.3 suite config).
     */
    static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private TlsContexts() {
    }

    /**
     * A server context for the given PEM files.
     *
     * @param certChain the certificate chain, the server's certificate first; every certificate is sent
     * @param key       the private key: PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted
     * @param tls       session cache size and timeout
     * @param offerH2   whether ALPN may select {@code h2} (RFC 9113 §3.2); {@code http/1.1} is always offered
     * @param warnings  receives problems that do not stop the server (expiring certificate, chain order,
     *                  no OpenSSL)
     * @throws TlsException naming the file when a file is missing, unreadable, empty, not PEM, encrypted,
     *                      or the key does not belong to the certificate
     */
    public static SslContext serverContext(Path certChain, Path key, TlsConfig tls, boolean offerH2,
                                           Consumer<String> warnings) throws TlsException {
        return build(CertificateFiles.of(certChain, key), tls, offerH2, warnings, null, Clock.systemUTC()).context();
    }

    /**
     * The context, the leaf it serves, and its ticket keys (null for the JDK provider, which issues and
     * rotates its own tickets).
     */
    record Built(SslContext context, X509Certificate leaf, TicketKeys ticketKeys, X509Certificate issuer,
                 URI ocspResponder, Pair pair) {
    }

    /** A key and the chain it signs for, leaf first: the files as read and checked, before the TLS stack. */
    record Pair(PrivateKey key, X509Certificate[] chain) {
        X509Certificate leaf() {
            return chain[0];
        }
    }

    /**
     * Everything the server does with the files, in the order it does it at start and on reload: read the
     * pair, warn about its validity period, build the context.
     *
     * @param forcedProvider null to choose (OpenSSL when it loaded), or a provider for tests
     * @param clock          for the validity warnings
     */
    static Built build(CertificateFiles files, TlsConfig tls, boolean offerH2, Consumer<String> warnings,
                       SslProvider forcedProvider, Clock clock) throws TlsException {
        Pair pair = readPair(files, warnings);
        CertificateChecks.Validity validity = CertificateChecks.validity(pair.leaf(), files.certName(), clock);
        if (validity != null) {
            warnings.accept(validity.message());
        }
        return context(pair, files, tls, offerH2, warnings, forcedProvider);
    }

    /**
     * Reads and checks both files: readable, PEM, unencrypted key, the key signs for a certificate of the file,
     * the chain in order (put right with a warning).
     */
    static Pair readPair(CertificateFiles files, Consumer<String> warnings) throws TlsException {
        PrivateKey key = PemFiles.readKey(files.key(), files.keyName());
        X509Certificate[] chain = CertificateChecks.arrange(key, PemFiles.readChain(files.cert(), files.certName()),
                files, warnings);
        return new Pair(key, chain);
    }

    /** The server context for a checked pair, exactly as the server builds it. */
    static Built context(Pair pair, CertificateFiles files, TlsConfig tls, boolean offerH2,
                         Consumer<String> warnings, SslProvider forcedProvider) throws TlsException {
        PrivateKey key = pair.key();
        X509Certificate[] chain = pair.chain();
        SslProvider provider = forcedProvider != null ? forcedProvider : chooseProvider(warnings);
        URI ocspResponder = ocspResponder(chain, files, tls, provider, warnings);
        List<String> alpn = offerH2
                ? List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)
                : List.of(ApplicationProtocolNames.HTTP_1_1);
        try {
            SslContext context = SslContextBuilder.forServer(provider == SslProvider.JDK
                            ? KeyManagers.forJdk(key, chain) : KeyManagers.forOpenSsl(key, chain))
                    // OPENSSL, not OPENSSL_REFCNT: the context is freed by the GC once no engine uses it, so a
                    // reload can simply drop the old one (see ReloadableSslContext).
                    .sslProvider(provider)
                    .trustManager(KeyManagers.trustNobody())
                    .protocols(TLS_1_3, TLS_1_2)
                    .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    // NO_ADVERTISE + ACCEPT: a client without ALPN, or with only protocols we do not speak,
                    // still gets HTTP/1.1 rather than a fatal no_application_protocol alert (RFC 7301 §3.2
                    // allows either); browsers always send ALPN.
                    .applicationProtocolConfig(new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            alpn))
                    // 0 means "unlimited" to both OpenSSL and the JDK, but "no cache" in server.conf: the
                    // OpenSSL cache is switched off below; the JDK one cannot be, so it keeps one session.
                    .sessionCacheSize(Math.max(1, tls.sessionCacheSize()))
                    .sessionTimeout(Math.max(1, tls.sessionTimeout().toSeconds()))
                    // Only with a responder to ask: the engines then accept a response to staple.
                    .enableOcsp(ocspResponder != null)
                    .build();
            if (tls.sessionCacheSize() == 0 && context instanceof OpenSslServerContext openSsl) {
                openSsl.sessionContext().setSessionCacheEnabled(false);
            }
            TicketKeys tickets = context instanceof OpenSslServerContext openSsl
                    ? new TicketKeys(openSsl, tls.sessionTimeout(), System::nanoTime)
                    : null;
            return new Built(context, chain[0], tickets, chain.length > 1 ? chain[1] : null, ocspResponder, pair);
        } catch (SSLException | RuntimeException e) {
            throw new TlsException(files.certName() + ", " + files.keyName() + ": the TLS library refused the "
                    + "certificate or key: " + PemFiles.reason(e), e);
        }
    }

    /**
     * The QUIC (HTTP/3) context for the same checked pair: TLS 1.3 only (RFC 9001 §4.2) with BoringSSL inside the
     * QUIC codec, ALPN h3, the session settings of the TCP context.
     */
    static QuicSslContext quicContext(Pair pair, CertificateFiles files, TlsConfig tls) throws TlsException {
        try {
            return QuicSslContextBuilder.forServer(KeyManagers.forJdk(pair.key(), pair.chain()), null)
                    .applicationProtocols(Http3.supportedApplicationProtocols())
                    .sessionCacheSize(Math.max(1, tls.sessionCacheSize()))
                    .sessionTimeout(Math.max(1, tls.sessionTimeout().toSeconds()))
                    .build();
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new TlsException(files.certName() + ", " + files.keyName() + ": the QUIC TLS library refused the "
                    + "certificate or key: " + PemFiles.reason(e), e);
        }
    }

    /**
     * The OCSP responder to fetch a staple from, or null: {@code ssl_stapling} off, a certificate naming no
     * responder (then nothing is ever fetched), no BoringSSL, or no issuer in the file (a request names the
     * issuer's key, RFC 6960 §4.1.1).
     */
    private static URI ocspResponder(X509Certificate[] chain, CertificateFiles files, TlsConfig tls,
                                     SslProvider provider, Consumer<String> warnings) {
        if (!tls.stapling()) {
            return null;
        }
        URI responder = OcspStapler.responder(chain[0]);
        if (responder == null) {
            return null;
        }
        if (provider != SslProvider.OPENSSL || !OpenSsl.isOcspSupported()) {
            warnings.accept(files.certName() + ": OCSP stapling needs BoringSSL (netty-tcnative), which is not in "
                    + "use; handshakes go without a staple");
            return null;
        }
        if (chain.length < 2) {
            warnings.accept(files.certName() + ": the certificate names an OCSP responder (" + responder
                    + ") but the file does not hold its issuer, which an OCSP request must name; not stapling "
                    + "(put the intermediate certificate after the server's, as in fullchain.pem)");
            return null;
        }
        return responder;
    }

    private static SslProvider chooseProvider(Consumer<String> warnings) {
        if (OpenSsl.isAvailable()) {
            return SslProvider.OPENSSL;
        }
        Throwable cause = OpenSsl.unavailabilityCause();
        warnings.accept("TLS: BoringSSL (netty-tcnative) is not available, using the slower JDK TLS instead: "
                + (cause == null ? "unknown reason" : PemFiles.reason(cause)));
        return SslProvider.JDK;
    }
}
