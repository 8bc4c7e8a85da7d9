package io.carbon.tls;

import java.nio.file.Path;

/** STUB until the tls branch lands. */
public final class SelfSignedCertificate {
    public static void generate(Path certPath, Path keyPath, String serverName) throws TlsException {
    }

    public static boolean bothMissing(Path cert, Path key) {
        return false;
    }
}
