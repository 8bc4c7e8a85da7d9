package io.carbon.server;

import io.netty.handler.codec.quic.Quic;
import io.netty.handler.ssl.OpenSsl;

/**
 * Loads, on a thread of its own as the start begins, the two things that each take tens to hundreds of
 * milliseconds in a fresh JVM and are needed on the start's critical path: BoringSSL (the TLS context) and quiche
 * (HTTP/3, started last). Tika's media-type registry is not among them: most sites never need it (see
 * {@code MimeTypes}), and loading it anyway costs a core for a third of a second and 3 MiB of heap. On a second
 * core that work overlaps with the rest of the start instead of adding to it. Whoever needs one still asks for it
 * as before: a class being initialised on another thread is waited for, never loaded twice, and a failure here
 * is met again, and reported, where the start asks.
 */
final class StartupPreload {

    private StartupPreload() {
    }

    static void start(boolean tls, boolean quic) {
        Thread loader = new Thread(() -> {
            try {
                if (tls) {
                    OpenSsl.isAvailable();
                }
                if (quic) {
                    Quic.isAvailable();
                }
            } catch (RuntimeException | LinkageError e) {
                // Only a head start: the start itself loads each again and reports what fails.
            }
        }, "carbon-preload");
        loader.setDaemon(true);
        loader.start();
    }
}
