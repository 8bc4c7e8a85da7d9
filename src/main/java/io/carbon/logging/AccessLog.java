package io.carbon.logging;

import io.carbon.config.LoggingConfig;
import io.carbon.http.ExchangeListener;
import io.carbon.http.ExchangeOutcome;
import io.carbon.http.Request;
import io.netty.util.concurrent.FastThreadLocal;

import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * The access log: one line per finished exchange, in the format {@code access_log_format} names
 * ({@link CombinedFormat}, the default, or {@link JsonFormat}), written by an {@link AsyncLogWriter} so an
 * event loop never waits on the disk. {@link #close()} drains every queued line.
 *
 * <p>The calling event loop formats the line straight into ASCII bytes in its own reused {@link LogLine} (the
 * writer thread only copies them to the file; the one allocation per line is the array handed over) and
 * offers it to a queue of {@code access_log_queue} lines; when the queue is full the line is counted
 * ({@link #droppedLines()}) and the writer thread warns in the server log at most every
 * {@value AsyncLogWriter#DROP_WARNING_INTERVAL_SECONDS} seconds. The event loop never blocks.
 */
public final class AccessLog implements ExchangeListener, AutoCloseable {

    private static final int WRITE_BUFFER_BYTES = 64 * 1024;

    /** Each event loop's line buffer, reused for every line it formats. */
    private static final FastThreadLocal<LogLine> LINE = new FastThreadLocal<>() {
        @Override
        protected LogLine initialValue() {
            return new LogLine();
        }
    };

    /** Null when disabled. */
    private final AsyncLogWriter writer;
    private final AccessLogFormat format;
    private final Clock clock;

    private AccessLog(AsyncLogWriter writer, AccessLogFormat format, Clock clock) {
        this.writer = writer;
        this.format = format;
        this.clock = clock;
    }

    /**
     * Opens {@code config.accessLog()} for appending in {@code config.accessLogFormat()} and starts the writer
     * thread, or returns {@link #disabled()} when {@code access_log} is not set.
     *
     * @throws UncheckedIOException naming the path and the operating system's reason
     */
    public static AccessLog open(LoggingConfig config, ServerLog serverLog) {
        if (config.accessLog() == null) {
            return disabled();
        }
        return open(config.accessLog(), config.accessLogQueue(), AccessLogFormat.of(config.accessLogFormat()),
                serverLog, Clock.systemUTC(), AccessLog::openFile);
    }

    /**
     * Opens {@code file} in the combined format with a queue of {@code queueCapacity} lines (rounded up to a
     * power of two).
     */
    public static AccessLog open(Path file, int queueCapacity, ServerLog serverLog) {
        return open(file, queueCapacity, serverLog, Clock.systemUTC(), AccessLog::openFile);
    }

    /** The combined format. */
    static AccessLog open(Path file, int queueCapacity, ServerLog serverLog, Clock clock,
                          AsyncLogWriter.OutputFactory outputFactory) {
        return open(file, queueCapacity, new CombinedFormat(), serverLog, clock, outputFactory);
    }

    static AccessLog open(Path file, int queueCapacity, AccessLogFormat format, ServerLog serverLog, Clock clock,
                          AsyncLogWriter.OutputFactory outputFactory) {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(clock, "clock");
        AsyncLogWriter writer = AsyncLogWriter.open("access log", "access_log_queue", file, queueCapacity,
                serverLog, outputFactory);
        return new AccessLog(writer, format, clock);
    }

    private static OutputStream openFile(Path file) {
        return ServerLog.openAppendingStream(file, "access_log", WRITE_BUFFER_BYTES);
    }

    /** An access log that writes nothing ({@code access_log} not set). */
    public static AccessLog disabled() {
        return new AccessLog(null, new CombinedFormat(), null);
    }

    public boolean isEnabled() {
        return writer != null;
    }

    /** Lines lost because the queue was full, or because they arrived after {@link #close()}. */
    public long droppedLines() {
        return writer == null ? 0 : writer.droppedLines();
    }

    /** Lines lost because the file could not be written or opened. */
    public long failedLines() {
        return writer == null ? 0 : writer.failedLines();
    }

    @Override
    public void exchangeCompleted(Request request, ExchangeOutcome outcome) {
        if (writer == null) {
            return;
        }
        writer.write(format(request, outcome, clock.millis()));
    }

    /** Formats one line in the configured format, newline included, as the bytes written to the file (all ASCII). */
    byte[] format(Request request, ExchangeOutcome outcome, long epochMillis) {
        LogLine line = LINE.get().reset();
        format.format(request, outcome, epochMillis, line);
        return line.append('\n').toBytes();
    }

    /**
     * Asks the writer thread to close and reopen the file by its path (after logrotate renamed it). Lines
     * logged before this call still go to the old file. Returns at once.
     */
    public void reopen() {
        if (writer != null) {
            writer.reopen();
        }
    }

    /**
     * Stops accepting lines, lets the writer thread write every queued line, flush and close the file, and
     * waits for it. Waits even when interrupted (the interrupt is kept), because losing lines is worse.
     */
    @Override
    public void close() {
        if (writer != null) {
            writer.close();
        }
    }
}
