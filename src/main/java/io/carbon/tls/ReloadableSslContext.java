package io.carbon.tls;

import io.carbon.config.TlsConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The TLS context of {@code https_port}, replaceable at run time (SIGHUP) so a renewed certificate is picked
 * up without dropping connections.
 *
 * <p>Each connection's {@link SslHandler} is made from the context that is current when the connection is
 * accepted and keeps it: open connections finish on the old certificate, new handshakes use the new one.
 *
 * <p>Old contexts are not released explicitly, and need not be: contexts are built with
 * {@link SslProvider#OPENSSL} (Netty's {@code OpenSslServerContext}, not the reference-counted
 * {@code OPENSSL_REFCNT} variant) or {@link SslProvider#JDK}, neither of which is reference counted by the
 * caller. Each OpenSSL engine retains its context natively while it lives, and the native {@code SSL_CTX} is
 * freed by the garbage collector (finalizer) once no engine and no reference remain. Releasing it ourselves
 * would risk freeing it under a handshake still in progress on another event loop.
 *
 * <p>When the certificate names an OCSP responder (and {@code ssl_stapling} is on), each loaded certificate
 * gets an {@link OcspStapler} that fetches on this object's own daemon thread, and every new handshake
 * carries its latest good response. {@link #close()} stops it.
 */
public final class ReloadableSslContext implements AutoCloseable {

    /** First retry after a failed OCSP fetch; doubles up to {@link OcspStapler#MAX_BACKOFF}. */
    static final Duration OCSP_FIRST_BACKOFF = Duration.ofMinutes(1);

    /** A loaded certificate and the stapler fetching its OCSP response (null when not stapling). */
    /** @param quic the QUIC context for the same pair, made when HTTP/3 first asks for it */
    private record Loaded(TlsContexts.Built built, OcspStapler stapler, AtomicReference<QuicSslContext> quic) {
    }

    private final CertificateFiles files;
    private final TlsConfig tls;
    private final boolean offerH2;
    private final TlsLog log;
    private final SslProvider forcedProvider;
    private final Duration ocspFirstBackoff;
    private final AtomicReference<Loaded> current = new AtomicReference<>();
    /** Made on first use: a server whose certificate names no responder never starts a thread. */
    private ScheduledExecutorService ocspThread;
    private HttpClient ocspHttp;
    private boolean closed;

    private ReloadableSslContext(CertificateFiles files, TlsConfig tls, boolean offerH2, TlsLog log,
                                 SslProvider forcedProvider, Duration ocspFirstBackoff) {
        this.files = files;
        this.tls = tls;
        this.offerH2 = offerH2;
        this.log = log;
        this.forcedProvider = forcedProvider;
        this.ocspFirstBackoff = ocspFirstBackoff;
    }

    /**
     * Loads the pair once; later {@link #reload()}s read the same files again. Errors and warnings name each
     * file by its setting (see {@link CertificateFiles}).
     *
     * @param log receives load warnings, and OCSP stapling news (fetched, failed, revoked) later
     * @see TlsContexts#serverContext(Path, Path, TlsConfig, boolean, Consumer)
     */
    public static ReloadableSslContext load(CertificateFiles files, TlsConfig tls, boolean offerH2, TlsLog log)
            throws TlsException {
        return load(files, tls, offerH2, log, null, OCSP_FIRST_BACKOFF);
    }

    /** As {@link #load(CertificateFiles, TlsConfig, boolean, TlsLog)}, warnings and errors to one consumer. */
    public static ReloadableSslContext load(CertificateFiles files, TlsConfig tls, boolean offerH2,
                                            Consumer<String> warnings) throws TlsException {
        return load(files, tls, offerH2, TlsLog.of(warnings), null, OCSP_FIRST_BACKOFF);
    }

    /** Files given by path alone: messages name the paths. */
    public static ReloadableSslContext load(Path cert, Path key, TlsConfig tls, boolean offerH2,
                                            Consumer<String> warnings) throws TlsException {
        return load(CertificateFiles.of(cert, key), tls, offerH2, warnings);
    }

    /** @param forcedProvider null to choose (OpenSSL when available); tests force {@link SslProvider#JDK} */
    static ReloadableSslContext load(Path cert, Path key, TlsConfig tls, boolean offerH2,
                                     Consumer<String> warnings, SslProvider forcedProvider) throws TlsException {
        return load(CertificateFiles.of(cert, key), tls, offerH2, TlsLog.of(warnings), forcedProvider,
                OCSP_FIRST_BACKOFF);
    }

    static ReloadableSslContext load(CertificateFiles files, TlsConfig tls, boolean offerH2, TlsLog log,
                                     SslProvider forcedProvider, Duration ocspFirstBackoff) throws TlsException {
        TlsContexts.Built first = TlsContexts.build(files, tls, offerH2, log::warn, forcedProvider,
                Clock.systemUTC());
        ReloadableSslContext context = new ReloadableSslContext(files, tls, offerH2, log, forcedProvider,
                ocspFirstBackoff);
        context.current.set(context.withStapler(first));
        return context;
    }

    /** A handler for a new connection, from the current context. The caller owns (and closes) the channel. */
    public SslHandler newHandler(ByteBufAllocator alloc) {
        Loaded loaded = current.get();
        TlsContexts.Built built = loaded.built();
        if (built.ticketKeys() != null) {
            built.ticketKeys().rotateIfDue();
        }
        SslHandler handler = built.context().newHandler(alloc);
        if (built.context() instanceof JdkSslContext) {
            // BoringSSL contexts get SSL_OP_CIPHER_SERVER_PREFERENCE from Netty; the JDK needs asking, or a
            // client that lists CBC-free-but-weaker suites first would get them.
            SSLEngine engine = handler.engine();
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setUseCipherSuitesOrder(true);
            engine.setSSLParameters(parameters);
        }
        if (loaded.stapler() != null) {
            byte[] staple = loaded.stapler().response();
            // Before the handshake starts (the handler is not in a pipeline yet); BoringSSL sends it only to a
            // client that asked (status_request, RFC 6066 §8).
            if (staple != null && handler.engine() instanceof ReferenceCountedOpenSslEngine openSsl) {
                openSsl.setOcspResponse(staple);
            }
        }
        return handler;
    }

    /**
     * Reads the certificate and key files again and, if they are good, serves them to new connections.
     *
     * @throws TlsException if the new pair is unusable; the old context stays in service, so the caller only
     *                      has to log the message
     */
    public synchronized void reload() throws TlsException {
        TlsContexts.Built next = TlsContexts.build(files, tls, offerH2, log::warn, forcedProvider,
                Clock.systemUTC());
        // The previous context is dropped, not released: see the class comment. Its stapler stops.
        Loaded previous = current.getAndSet(withStapler(next));
        if (previous.stapler() != null) {
            previous.stapler().close();
        }
    }

    /**
     * The QUIC context for HTTP/3 with the current certificate and key, made on first use after each (re)load.
     *
     * @throws TlsException when the QUIC TLS library refuses the pair
     */
    public QuicSslContext quicContext() throws TlsException {
        Loaded loaded = current.get();
        QuicSslContext quic = loaded.quic().get();
        if (quic == null) {
            loaded.quic().compareAndSet(null, TlsContexts.quicContext(loaded.built().pair(), files, tls));
            quic = loaded.quic().get();
        }
        return quic;
    }

    /** The server certificate now being served, for logging its subject and expiry. */
    public X509Certificate currentLeaf() {
        return current.get().built().leaf();
    }

    /** The OCSP response new handshakes get now, or null (tests). */
    byte[] currentStaple() {
        Loaded loaded = current.get();
        return loaded.stapler() == null ? null : loaded.stapler().response();
    }

    /** Whether the current certificate is being stapled, i.e. has a responder to fetch from (tests). */
    boolean stapling() {
        return current.get().stapler() != null;
    }

    /** Stops OCSP fetching; the context itself needs no release (see the class comment). */
    @Override
    public synchronized void close() {
        closed = true;
        Loaded loaded = current.get();
        if (loaded != null && loaded.stapler() != null) {
            loaded.stapler().close();
        }
        if (ocspThread != null) {
            ocspThread.shutdownNow();
        }
    }

    private synchronized Loaded withStapler(TlsContexts.Built built) {
        if (built.ocspResponder() == null || closed) {
            return new Loaded(built, null, new AtomicReference<>());
        }
        if (ocspThread == null) {
            ocspThread = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "carbon-ocsp");
                thread.setDaemon(true);
                return thread;
            });
            ocspHttp = HttpClient.newBuilder()
                    // Plain HTTP/1.1: for http:// URIs the JDK would otherwise try an h2c upgrade, which OCSP
                    // responders (openssl ocsp among them) do not answer.
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(OcspStapler.REQUEST_TIMEOUT)
                    .followRedirects(HttpClient.Redirect.NORMAL)
                    .build();
        }
        try {
            OcspStapler stapler = new OcspStapler(built.ocspResponder(), built.leaf(), built.issuer(), ocspThread,
                    ocspHttp, log, Clock.systemUTC(), ocspFirstBackoff);
            stapler.start();
            return new Loaded(built, stapler, new AtomicReference<>());
        } catch (TlsException e) {
            log.warn(e.getMessage());
            return new Loaded(built, null, new AtomicReference<>());
        }
    }
}
