package io.carbon.logging;

import io.carbon.config.LoggingConfig;

/**
 * The server log ({@code log_file}): lifecycle events and errors, mirrored to standard error so that
 * {@code journalctl} and {@code docker logs} see them. {@code verbose} adds per-connection detail.
 */
public class ServerLog implements AutoCloseable {

    /** Opens {@code config.logFile()} for appending (creating its directory), or fails with a clear message. */
    public static ServerLog open(LoggingConfig config) {
        throw new UnsupportedOperationException("TODO");
    }

    public void info(String message) { throw new UnsupportedOperationException("TODO"); }

    public void warn(String message) { throw new UnsupportedOperationException("TODO"); }

    public void error(String message, Throwable cause) { throw new UnsupportedOperationException("TODO"); }

    /** Logged only when {@code verbose = true}. */
    public void verbose(String message) { throw new UnsupportedOperationException("TODO"); }

    public boolean isVerbose() { throw new UnsupportedOperationException("TODO"); }

    @Override
    public void close() { }
}
