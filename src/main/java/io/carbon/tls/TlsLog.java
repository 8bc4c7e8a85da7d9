package io.carbon.tls;

import java.util.function.Consumer;

/**
 * Where the TLS layer reports what happens after start (a fetched OCSP response, a failed fetch, a revoked
 * certificate). {@code tls} does not import {@code logging}; the server passes its log in.
 */
public interface TlsLog {

    void info(String message);

    void warn(String message);

    void error(String message);

    /** Warnings and errors both to {@code warnings}, information dropped (tests, tools). */
    static TlsLog of(Consumer<String> warnings) {
        return new TlsLog() {
            @Override
            public void info(String message) {
            }

            @Override
            public void warn(String message) {
                warnings.accept(message);
            }

            @Override
            public void error(String message) {
                warnings.accept(message);
            }
        };
    }
}
