package io.carbon.server;

import io.netty.handler.codec.quic.Quic;
import io.netty.handler.ssl.OpenSsl;

/**
 * Loads BoringSSL (for TLS) and quiche (for QUIC) on a thread of their own as the start begins. Each takes tens of
 * milliseconds (the library is unpacked from the jar to a temporary file, loaded and initialised), and the start
 * needs them one after the other on its own thread: on a second core that work overlaps with the rest of the start
 * instead of adding to it. The start still asks for each as before; a class being initialised elsewhere is waited
 * for, never loaded twice.
 */
final class NativeLibraries {

    private NativeLibraries() {
    }

    static void preload(boolean tls, boolean quic) {
        if (!tls && !quic) {
            return;
        }
        Thread loader = new Thread(() -> {
            if (tls) {
                OpenSsl.isAvailable();
            }
            if (quic) {
                Quic.isAvailable();
            }
        }, "carbon-native-preload");
        loader.setDaemon(true);
        loader.start();
    }
}
