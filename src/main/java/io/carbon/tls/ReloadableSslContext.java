package io.carbon.tls;

import io.carbon.config.TlsConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
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
 */
public final class ReloadableSslContext {

    private final CertificateFiles files;
    private final TlsConfig tls;
    private final boolean offerH2;
    private final Consumer<String> warnings;
    private final SslProvider forcedProvider;
    private final AtomicReference<TlsContexts.Built> current;

    private ReloadableSslContext(CertificateFiles files, TlsConfig tls, boolean offerH2,
                                 Consumer<String> warnings, SslProvider forcedProvider, TlsContexts.Built first) {
        this.files = files;
        this.tls = tls;
        this.offerH2 = offerH2;
        this.warnings = warnings;
        this.forcedProvider = forcedProvider;
        this.current = new AtomicReference<>(first);
    }

    /**
     * Loads the pair once; later {@link #reload()}s read the same files again. Errors and warnings name each
     * file by its setting (see {@link CertificateFiles}).
     *
     * @see TlsContexts#serverContext(Path, Path, TlsConfig, boolean, Consumer)
     */
    public static ReloadableSslContext load(CertificateFiles files, TlsConfig tls, boolean offerH2,
                                            Consumer<String> warnings) throws TlsException {
        return load(files, tls, offerH2, warnings, null);
    }

    /** Files given by path alone: messages name the paths. */
    public static ReloadableSslContext load(Path cert, Path key, TlsConfig tls, boolean offerH2,
                                            Consumer<String> warnings) throws TlsException {
        return load(CertificateFiles.of(cert, key), tls, offerH2, warnings, null);
    }

    /** @param forcedProvider null to choose (OpenSSL when available); tests force {@link SslProvider#JDK} */
    static ReloadableSslContext load(Path cert, Path key, TlsConfig tls, boolean offerH2,
                                     Consumer<String> warnings, SslProvider forcedProvider) throws TlsException {
        return load(CertificateFiles.of(cert, key), tls, offerH2, warnings, forcedProvider);
    }

    static ReloadableSslContext load(CertificateFiles files, TlsConfig tls, boolean offerH2,
                                     Consumer<String> warnings, SslProvider forcedProvider) throws TlsException {
        TlsContexts.Built first = TlsContexts.build(files, tls, offerH2, warnings, forcedProvider,
                Clock.systemUTC());
        return new ReloadableSslContext(files, tls, offerH2, warnings, forcedProvider, first);
    }

    /** A handler for a new connection, from the current context. The caller owns (and closes) the channel. */
    public SslHandler newHandler(ByteBufAllocator alloc) {
        TlsContexts.Built built = current.get();
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
        return handler;
    }

    /**
     * Reads the certificate and key files again and, if they are good, serves them to new connections.
     *
     * @throws TlsException if the new pair is unusable; the old context stays in service, so the caller only
     *                      has to log the message
     */
    public synchronized void reload() throws TlsException {
        TlsContexts.Built next = TlsContexts.build(files, tls, offerH2, warnings, forcedProvider,
                Clock.systemUTC());
        // The previous context is dropped, not released: see the class comment.
        current.set(next);
    }

    /** The server certificate now being served, for logging its subject and expiry. */
    public X509Certificate currentLeaf() {
        return current.get().leaf();
    }
}
