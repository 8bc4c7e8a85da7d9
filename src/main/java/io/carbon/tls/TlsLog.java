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

    /** Each level to its own consumer. */
    static TlsLog of(Consumer<String> info, Consumer<String> warn, Consumer<String> error) {
        return new TlsLog() {
            @Override
            public void info(String message) {
                info.accept(message);
            }

            @Override
            public void warn(String message) {
                warn.accept(message);
            }

            @Override
            public void error(String message) {
                error.accept(message);
            }
        };
    }

    /** Warnings and errors both to {@code warnings}, information dropped (tests, tools). */
    static TlsLog of(Consumer<String> warnings) {
        return of(message -> { }, warnings, warnings);
    }
}
