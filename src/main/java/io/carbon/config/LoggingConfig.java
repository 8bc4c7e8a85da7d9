package io.carbon.config;

import java.nio.file.Path;

/**
 * Where Carbon writes its logs.
 *
 * @param logFile        {@code log_file}: lifecycle events and errors
 * @param accessLog      {@code access_log}: one line per request in Combined Log Format (null = off)
 * @param accessLogQueue {@code access_log_queue}: lines buffered for the writer thread before they are counted as dropped
 * @param verbose        {@code verbose}: per-connection detail in the server log
 */
public record LoggingConfig(
        Path logFile,
        Path accessLog,
        int accessLogQueue,
        boolean verbose) {
}
