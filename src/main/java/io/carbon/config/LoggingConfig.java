package io.carbon.config;

import java.nio.file.Path;

/**
 * Where Carbon writes its logs.
 *
 * @param logFile         {@code log_file}: lifecycle events and errors
 * @param accessLog       {@code access_log}: one line per request (null = off)
 * @param accessLogFormat {@code access_log_format}: how an access log line is written
 * @param accessLogQueue  {@code access_log_queue}: lines buffered for the writer thread before they are counted as dropped
 * @param verbose         {@code verbose}: per-connection detail in the server log
 */
public record LoggingConfig(
        Path logFile,
        Path accessLog,
        AccessLogStyle accessLogFormat,
        int accessLogQueue,
        boolean verbose) {

    /** The values of {@code access_log_format}; in server.conf they are written in lower case. */
    public enum AccessLogStyle {
        /** Combined Log Format plus the time taken (nginx's and Apache's {@code combined}). */
        COMBINED,
        /** One JSON object per line. */
        JSON
    }

    /** With {@code access_log_format} at its default, {@link AccessLogStyle#COMBINED}. */
    public LoggingConfig(Path logFile, Path accessLog, int accessLogQueue, boolean verbose) {
        this(logFile, accessLog, AccessLogStyle.COMBINED, accessLogQueue, verbose);
    }
}
