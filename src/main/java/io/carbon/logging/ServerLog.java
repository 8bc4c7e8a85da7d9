package io.carbon.logging;

import io.carbon.config.LoggingConfig;

import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server log ({@code log_file}): lifecycle events and errors, mirrored to standard error so that
 * {@code journalctl} and {@code docker logs} see them. {@code verbose} adds per-connection detail.
 *
 * <p>Each line reads {@code 2026-11-21T21:55:48.123Z INFO message} (UTC, millisecond precision). Control
 * characters in a message are escaped as {@code \xHH}, because verbose messages may carry client-supplied
 * text and must not be able to forge extra lines; only an {@link #error} stack trace spans several lines.
 *
 * <p>These lines are rare, so every call takes the instance lock and flushes its line: nothing is lost when
 * the process dies right after. After {@link #open} succeeded, a logging call never throws: a failed write is
 * counted ({@link #writeFailures()}) and reported once on standard error.
 */
public class ServerLog implements AutoCloseable {

    /** Severity of a line, printed as its name. */
    public enum Level { VERBOSE, INFO, WARN, ERROR }

    // DateTimeFormatter is immutable and thread-safe, so a shared constant is not mutable static state.
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private static final String HEX = "0123456789ABCDEF";

    // Guarded by this (reopen swaps them); verbose is read without the lock on every verbose() call.
    private Writer out;
    private final PrintStream mirror;
    private volatile boolean verbose;
    private final Clock clock;
    private String target;
    /** The file {@link #reopen} opens again; null for a writer given by the caller. */
    private Path file;
    private final AtomicLong writeFailures = new AtomicLong();
    private boolean closed;

    /**
     * @param out     where lines go, or null for the standard-error mirror only
     * @param mirror  where every line is copied, or null for no copy (tests)
     * @param verbose whether {@link #verbose(String)} lines are written
     * @param clock   source of the timestamps
     * @param target  how {@code out} is named in error reports
     */
    ServerLog(Writer out, PrintStream mirror, boolean verbose, Clock clock, String target) {
        this.out = out;
        this.mirror = mirror;
        this.verbose = verbose;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.target = target;
    }

    /** Opens {@code config.logFile()} for appending (creating its directory), or fails with a clear message. */
    public static ServerLog open(LoggingConfig config) {
        return open(config.logFile(), config.verbose(), System.err);
    }

    /**
     * Opens {@code file} for appending, creating missing parent directories.
     *
     * @param mirror where each line is copied (normally {@link System#err}); null for none
     * @throws UncheckedIOException whose message names the path and the operating system's reason
     */
    public static ServerLog open(Path file, boolean verbose, PrintStream mirror) {
        ServerLog log = new ServerLog(openAppending(file, "log_file", 8192), mirror, verbose, Clock.systemUTC(),
                file.toString());
        log.file = file;
        return log;
    }

    /**
     * Closes the file and opens it again by its path (after logrotate moved it; SIGUSR1), or opens
     * {@code config}'s log_file instead and takes its verbose setting (a reload). When the file cannot be
     * opened the current one stays and the exception says why.
     *
     * @throws UncheckedIOException naming the path and the operating system's reason
     */
    public void reopen(LoggingConfig config) {
        verbose = config.verbose();
        reopen(config.logFile());
    }

    /** Reopens the current file by its path; see {@link #reopen(LoggingConfig)}. */
    public void reopen() {
        Path current;
        synchronized (this) {
            current = file;
        }
        if (current != null) {
            reopen(current);
        }
    }

    private void reopen(Path next) {
        Writer fresh = openAppending(next, "log_file", 8192);
        Writer old;
        synchronized (this) {
            if (closed || file == null) {
                closeQuietly(fresh);
                return;
            }
            old = out;
            out = fresh;
            file = next;
            target = next.toString();
        }
        closeQuietly(old);
    }

    private void closeQuietly(Writer writer) {
        try {
            writer.close();
        } catch (IOException e) {
            System.err.println("carbon: cannot close " + target + ": " + e);
        }
    }

    /** A log writing to {@code writer} (tests, embedding); {@code mirror} may be null. */
    public static ServerLog of(Writer writer, boolean verbose, PrintStream mirror, Clock clock) {
        return new ServerLog(Objects.requireNonNull(writer, "writer"), mirror, verbose, clock, "writer");
    }

    /** A log that only writes to standard error: for the time before the configuration is read. */
    public static ServerLog stderrOnly(boolean verbose) {
        return new ServerLog(null, System.err, verbose, Clock.systemUTC(), "stderr");
    }

    public void info(String message) {
        log(Level.INFO, message, null);
    }

    public void warn(String message) {
        log(Level.WARN, message, null);
    }

    /** Logs {@code message} and, when {@code cause} is not null, its stack trace on the following lines. */
    public void error(String message, Throwable cause) {
        log(Level.ERROR, message, cause);
    }

    /** Logged only when {@code verbose = true}. */
    public void verbose(String message) {
        if (verbose) {
            log(Level.VERBOSE, message, null);
        }
    }

    public boolean isVerbose() {
        return verbose;
    }

    /** Lines (or parts of lines) that could not be written to the file since it was opened. */
    public long writeFailures() {
        return writeFailures.get();
    }

    /** Writes one line (plus the stack trace of {@code cause}); never throws. */
    public void log(Level level, String message, Throwable cause) {
        if (level == Level.VERBOSE && !verbose) {
            return;
        }
        String text = format(level, message, cause);
        synchronized (this) {
            if (out != null && !closed) {
                try {
                    out.write(text);
                    out.flush();
                } catch (IOException | RuntimeException e) {
                    // Report only the first failure: a full disk would otherwise double every line on stderr.
                    if (writeFailures.getAndIncrement() == 0) {
                        System.err.println("carbon: cannot write to " + target + ": " + e
                                + " (further write errors are counted, not printed)");
                    }
                }
            }
            if (mirror != null) {
                mirror.print(text);
                mirror.flush();
            }
        }
    }

    private String format(Level level, String message, Throwable cause) {
        StringBuilder sb = new StringBuilder(64 + (message == null ? 4 : message.length()));
        TIMESTAMP.formatTo(clock.instant(), sb);
        sb.append(' ').append(level.name()).append(' ');
        appendEscaped(sb, String.valueOf(message));
        sb.append('\n');
        if (cause != null) {
            StringWriter trace = new StringWriter();
            try (PrintWriter pw = new PrintWriter(trace)) {
                cause.printStackTrace(pw);
            }
            // Normalise line ends so every trace line ends in exactly one '\n'.
            sb.append(trace.toString().replace("\r\n", "\n"));
            if (sb.charAt(sb.length() - 1) != '\n') {
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    private static void appendEscaped(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7F) {
                sb.append("\\x").append(HEX.charAt(c >> 4)).append(HEX.charAt(c & 0xF));
            } else {
                sb.append(c);
            }
        }
    }

    /** Flushes and closes the file; later calls still reach the standard-error mirror. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (out != null) {
            closeQuietly(out);
        }
    }

    /**
     * Opens {@code file} for appending as UTF-8 text, creating its parent directories; the exception names
     * the config key, the path and the reason the operating system gave.
     */
    static Writer openAppending(Path file, String key, int bufferSize) {
        return new BufferedWriter(new OutputStreamWriter(openAppendingStream(file, key, 0), StandardCharsets.UTF_8),
                bufferSize);
    }

    /**
     * Opens {@code file} for appending bytes, creating its parent directories, buffered by {@code bufferSize}
     * bytes (0: not buffered); the exception names the config key, the path and the operating system's reason.
     */
    static OutputStream openAppendingStream(Path file, String key, int bufferSize) {
        Path parent = file.toAbsolutePath().getParent();
        try {
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the directory " + parent + " for " + key + " "
                    + file + ": " + IoReasons.describe(e), e);
        }
        try {
            OutputStream out = Files.newOutputStream(file,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
            return bufferSize > 0 ? new BufferedOutputStream(out, bufferSize) : out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + key + " " + file + ": " + IoReasons.describe(e), e);
        }
    }
}
