package io.carbon.tls;

import io.carbon.config.TlsConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslHandler;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.function.Consumer;

/** STUB until the tls branch lands. */
public final class ReloadableSslContext {
    public static ReloadableSslContext load(Path cert, Path key, TlsConfig tls, boolean offerH2,
                                            Consumer<String> warnings) throws TlsException {
        throw new TlsException("stub");
    }

    public SslHandler newHandler(ByteBufAllocator alloc) {
        throw new UnsupportedOperationException();
    }

    public void reload() throws TlsException {
    }

    public X509Certificate currentLeaf() {
        return null;
    }
}
