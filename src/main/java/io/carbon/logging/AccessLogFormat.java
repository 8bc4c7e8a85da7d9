package io.carbon.logging;

import io.carbon.config.LoggingConfig;
import io.carbon.http.ExchangeOutcome;
import io.carbon.http.Request;

/**
 * Formats one finished exchange as one access log line, on the event loop that finished it. Implementations
 * are shared by every event loop (thread-safe) and append printable ASCII only to the caller's reused
 * {@link LogLine}, so a client cannot forge a line and the writer thread only copies bytes.
 */
interface AccessLogFormat {

    /** Fields longer than this (in characters, before escaping) are truncated, in every format. */
    int MAX_FIELD_CHARS = 8192;
    /** Appended to a truncated field. */
    String TRUNCATED = "...[truncated]";

    /**
     * Appends the line for one exchange to {@code line}, without the newline.
     *
     * @param epochMillis when the exchange completed (the line's time)
     */
    void format(Request request, ExchangeOutcome outcome, long epochMillis, LogLine line);

    /** The format {@code access_log_format} names. */
    static AccessLogFormat of(LoggingConfig.AccessLogStyle style) {
        return switch (style) {
            case COMBINED -> new CombinedFormat();
            case JSON -> new JsonFormat();
        };
    }

    /**
     * The request's protocol as the access log writes it ({@code HTTP/1.1}, {@code HTTP/2.0}, ...), or null
     * when unknown. The only place that turns the protocol into text.
     */
    static String protocolText(Request request) {
        return request.protocol() == null ? null : request.protocol().logName();
    }
}
