package io.carbon.logging;

import io.carbon.config.LoggingConfig;
import io.carbon.http.ExchangeListener;
import io.carbon.http.ExchangeOutcome;
import io.carbon.http.Request;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.concurrent.FastThreadLocal;
import org.jctools.queues.MpscArrayQueue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The access log in Combined Log Format plus the time taken, written by one writer thread fed through a
 * bounded JCTools queue, so an event loop never waits on the disk. {@link #close()} drains every queued line.
 *
 * <p>One line per finished exchange:
 * <pre>
 * 127.0.0.1 - - [21/Nov/2026:21:55:48 +0000] "GET /index.html?x=1 HTTP/1.1" 200 1234 "referer" "user agent" 0.003
 * </pre>
 * <ul>
 *   <li>the client IP without port ({@link InetAddress#getHostAddress()}, so IPv6 is written uncompressed);</li>
 *   <li>identity and user are always {@code -} (Carbon does no authentication; the Authorization header and
 *       cookies are never part of the line);</li>
 *   <li>the time is when the exchange completed, like nginx's {@code $time_local}, always in UTC;</li>
 *   <li>the request line is method, target exactly as received, and protocol;</li>
 *   <li>the body size follows Apache's {@code %b}: body bytes actually written, {@code -} when none;</li>
 *   <li>Referer and User-Agent, {@code -} when absent or empty;</li>
 *   <li>the time taken in seconds with millisecond precision, like nginx's {@code $request_time}.</li>
 * </ul>
 * Quoted fields escape {@code "}, {@code \}, control characters and every non-ASCII byte as {@code \xHH}
 * (as nginx does), so a client cannot forge a line or a field; characters 0x80..0xFF are taken as the raw
 * bytes Netty decoded as ISO-8859-1, characters beyond that as the escapes of their UTF-8 bytes. A field longer
 * than {@value #MAX_FIELD_CHARS} characters is cut and ends in {@value #TRUNCATED}.
 *
 * <p>The calling event loop formats the line straight into ASCII bytes ({@link LogLine}: the writer thread
 * only copies them to the file) and offers it to a queue of {@code access_log_queue} lines; when
 * the queue is full the line is counted ({@link #droppedLines()}) and the writer thread warns in the server
 * log at most every {@value #DROP_WARNING_INTERVAL_SECONDS} seconds. The event loop never blocks.
 */
public final class AccessLog implements ExchangeListener, AutoCloseable {

    /** Fields longer than this (in characters, before escaping) are truncated. */
    static final int MAX_FIELD_CHARS = 8192;
    /** Appended to a truncated field. */
    static final String TRUNCATED = "...[truncated]";
    static final int DROP_WARNING_INTERVAL_SECONDS = 10;

    private static final long DROP_WARNING_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(DROP_WARNING_INTERVAL_SECONDS);
    /** After a write or open error, how long to wait before opening the file again. */
    private static final long RETRY_OPEN_NANOS = TimeUnit.SECONDS.toNanos(5);
    /**
     * When the queue runs empty the writer first parks for a millisecond at a time, a while, which catches the
     * next batch of a steady stream without any producer having to wake it (a wake-up is a system call on the
     * event loop) and without spinning: at 50 µs the parks alone cost a visible share of a core under load ...
     */
    private static final int SHORT_PARKS = 100;
    private static final long SHORT_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /**
     * ... then sleeps long and lets the next producer unpark it, so an idle server costs about one wake-up a
     * second. The timeout also bounds a missed wake-up.
     */
    private static final long LONG_PARK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Sign bit of {@link #gate}: set once {@link #close()} began. */
    private static final int CLOSED = Integer.MIN_VALUE;
    private static final int WRITE_BUFFER_BYTES = 64 * 1024;
    private static final String[] MONTHS =
            {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

    /** How the writer thread opens the file; tests substitute streams that fail or block. */
    @FunctionalInterface
    interface OutputFactory {
        /** @throws UncheckedIOException naming the path and the reason */
        OutputStream open(Path file);
    }

    /** The formatted timestamp of one second, so formatting a line costs no date arithmetic. */
    private record CachedSecond(long epochSecond, byte[] text) {
    }

    /** Each event loop's line buffer, reused for every line it formats. */
    private static final FastThreadLocal<LogLine> LINE = new FastThreadLocal<>() {
        @Override
        protected LogLine initialValue() {
            return new LogLine();
        }
    };

    private final boolean enabled;
    private final Path file;
    private final int capacity;
    private final MpscArrayQueue<Object> queue;
    private final ServerLog serverLog;
    private final Clock clock;
    private final OutputFactory outputFactory;
    private final Thread writerThread;
    /** Queued by {@link #reopen()} so that lines logged before it go to the old file and later ones to the new. */
    private final Object reopenMarker = new Object();
    /**
     * Producers currently inside {@link #offer}, with {@link #CLOSED} or'ed in once closing: the writer exits
     * only when it reads exactly {@code CLOSED} with an empty queue, so no line offered before close() is lost.
     */
    private final AtomicInteger gate = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean reopenRequested;
    private volatile boolean writerSleeping;
    private volatile CachedSecond cachedSecond;

    // Owned by the writer thread (set before it starts).
    private OutputStream out;
    private long lastOpenAttemptNanos;
    private long droppedReported;
    private long lastDropWarningNanos;

    private AccessLog(Path file, int capacity, ServerLog serverLog, Clock clock, OutputFactory outputFactory,
                      OutputStream initial) {
        this.enabled = file != null;
        this.file = file;
        this.capacity = capacity;
        this.serverLog = serverLog;
        this.clock = clock;
        this.outputFactory = outputFactory;
        this.out = initial;
        if (enabled) {
            this.queue = new MpscArrayQueue<>(Math.max(2, capacity));
            this.writerThread = new Thread(this::runWriter, "carbon-access-log");
            this.writerThread.setDaemon(true);
            this.lastDropWarningNanos = System.nanoTime() - DROP_WARNING_INTERVAL_NANOS;
        } else {
            this.queue = null;
            this.writerThread = null;
        }
    }

    /**
     * Opens {@code config.accessLog()} for appending and starts the writer thread, or returns
     * {@link #disabled()} when {@code access_log} is not set.
     *
     * @throws UncheckedIOException naming the path and the operating system's reason
     */
    public static AccessLog open(LoggingConfig config, ServerLog serverLog) {
        if (config.accessLog() == null) {
            return disabled();
        }
        return open(config.accessLog(), config.accessLogQueue(), serverLog);
    }

    /** Opens {@code file} with a queue of {@code queueCapacity} lines (rounded up to a power of two). */
    public static AccessLog open(Path file, int queueCapacity, ServerLog serverLog) {
        return open(file, queueCapacity, serverLog, Clock.systemUTC(),
                f -> ServerLog.openAppendingStream(f, "access_log", WRITE_BUFFER_BYTES));
    }

    static AccessLog open(Path file, int queueCapacity, ServerLog serverLog, Clock clock,
                          OutputFactory outputFactory) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(serverLog, "serverLog");
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("access_log_queue must be at least 1, got " + queueCapacity);
        }
        // Opened here, on the caller's thread, so a bad path fails start-up instead of losing lines later.
        OutputStream initial = outputFactory.open(file);
        AccessLog log = new AccessLog(file, queueCapacity, serverLog, clock, outputFactory, initial);
        log.writerThread.start();
        return log;
    }

    /** An access log that writes nothing ({@code access_log} not set). */
    public static AccessLog disabled() {
        return new AccessLog(null, 0, null, null, null, null);
    }

    public boolean isEnabled() {
        return enabled;
    }

    /** Lines lost because the queue was full, or because they arrived after {@link #close()}. */
    public long droppedLines() {
        return dropped.get();
    }

    /** Lines lost because the file could not be written or opened. */
    public long failedLines() {
        return failed.get();
    }

    @Override
    public void exchangeCompleted(Request request, ExchangeOutcome outcome) {
        if (!enabled) {
            return;
        }
        if (!offer(format(request, outcome.status(), outcome.responseBodyBytes(), outcome.nanos(), clock.millis()))) {
            dropped.incrementAndGet();
        }
    }

    /**
     * Asks the writer thread to close and reopen the file by its path (after logrotate renamed it). Lines
     * logged before this call still go to the old file. Returns at once.
     */
    public void reopen() {
        if (!enabled) {
            return;
        }
        if (!offer(reopenMarker)) {
            // Queue full (or closing): fall back to a flag, honoured when the queue next runs empty.
            reopenRequested = true;
            LockSupport.unpark(writerThread);
        }
    }

    private boolean offer(Object item) {
        if (gate.getAndIncrement() < 0) {
            gate.decrementAndGet();
            return false;
        }
        boolean offered;
        try {
            offered = queue.offer(item);
        } finally {
            gate.decrementAndGet();
        }
        // Dekker-style hand-shake with the writer: it sets writerSleeping and then re-checks the queue, we
        // publish into the queue and then read writerSleeping, so at least one of us sees the other.
        if (offered && writerSleeping) {
            LockSupport.unpark(writerThread);
        }
        return offered;
    }

    /**
     * Stops accepting lines, lets the writer thread write every queued line, flush and close the file, and
     * waits for it. Waits even when interrupted (the interrupt is kept), because losing lines is worse.
     */
    @Override
    public void close() {
        if (!enabled) {
            return;
        }
        gate.getAndUpdate(s -> s | CLOSED);
        LockSupport.unpark(writerThread);
        boolean interrupted = false;
        while (true) {
            try {
                writerThread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Writer thread

    private void runWriter() {
        try {
            writeLoop();
        } catch (Throwable t) {
            // Should not happen (I/O errors are handled per line); say so rather than die silently.
            serverLog.error("access log writer thread failed; access log lines are no longer written", t);
        } finally {
            closeOut();
            reportDrops(true);
        }
    }

    private void writeLoop() {
        int idleParks = 0;
        boolean dirty = false;
        long sinceCheck = 0;
        while (true) {
            Object item = queue.relaxedPoll();
            if (item != null) {
                idleParks = 0;
                if (item == reopenMarker) {
                    reopenNow();
                    dirty = false;
                } else {
                    dirty |= write((byte[]) item);
                }
                // Under sustained load the queue may never run empty; still report drops now and then.
                if (++sinceCheck == 4096) {
                    sinceCheck = 0;
                    reportDrops(false);
                }
                continue;
            }
            // The queue looks empty: the batch is over, make it visible on disk.
            if (dirty) {
                flush();
                dirty = false;
            }
            reportDrops(false);
            if (reopenRequested) {
                reopenRequested = false;
                reopenNow();
            }
            if (gate.get() == CLOSED && queue.isEmpty()) {
                return;
            }
            if (idleParks < SHORT_PARKS || gate.get() < 0) {
                idleParks++;
                LockSupport.parkNanos(SHORT_PARK_NANOS);
            } else {
                writerSleeping = true;
                if (queue.isEmpty() && !reopenRequested && gate.get() >= 0) {
                    LockSupport.parkNanos(LONG_PARK_NANOS);
                }
                writerSleeping = false;
            }
        }
    }

    /** @return whether the line is now buffered in the writer */
    private boolean write(byte[] line) {
        if (out == null && !retryOpen()) {
            failed.incrementAndGet();
            return false;
        }
        try {
            out.write(line);
            return true;
        } catch (IOException | RuntimeException e) {
            failed.incrementAndGet();
            lostFile("cannot write to", e);
            return false;
        }
    }

    private void flush() {
        if (out == null) {
            return;
        }
        try {
            out.flush();
        } catch (IOException | RuntimeException e) {
            lostFile("cannot flush", e);
        }
    }

    /** After an I/O error: log it, drop the writer, and open the file again after {@link #RETRY_OPEN_NANOS}. */
    private void lostFile(String what, Exception e) {
        serverLog.error("access log: " + what + " " + file + ": " + e.getMessage()
                + "; lines are counted as failed until it can be reopened", e);
        closeOut();
        lastOpenAttemptNanos = System.nanoTime();
    }

    private boolean retryOpen() {
        if (System.nanoTime() - lastOpenAttemptNanos < RETRY_OPEN_NANOS) {
            return false;
        }
        return openOut();
    }

    private void reopenNow() {
        flush();
        closeOut();
        if (openOut()) {
            serverLog.info("access log reopened: " + file);
        }
    }

    private boolean openOut() {
        lastOpenAttemptNanos = System.nanoTime();
        try {
            out = outputFactory.open(file);
            return true;
        } catch (RuntimeException e) {
            serverLog.error("access log: " + e.getMessage(), null);
            out = null;
            return false;
        }
    }

    private void closeOut() {
        if (out == null) {
            return;
        }
        try {
            out.close();
        } catch (IOException | RuntimeException e) {
            serverLog.error("access log: cannot close " + file + ": " + e.getMessage(), null);
        }
        out = null;
    }

    private void reportDrops(boolean force) {
        long total = dropped.get();
        long now = System.nanoTime();
        if (total != droppedReported && (force || now - lastDropWarningNanos >= DROP_WARNING_INTERVAL_NANOS)) {
            serverLog.warn("access log: " + (total - droppedReported) + " lines dropped because the queue ("
                    + "access_log_queue = " + capacity + ") was full or the log was closing; "
                    + total + " in total");
            droppedReported = total;
            lastDropWarningNanos = now;
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Formatting (runs on the event loop)

    /** Formats one line, newline included, as the bytes written to the file (all ASCII). */
    byte[] format(Request request, int status, long bodyBytes, long nanos, long epochMillis) {
        HttpHeaders headers = request.headers();
        String referer = headers == null ? null : headers.get(HttpHeaderNames.REFERER);
        String userAgent = headers == null ? null : headers.get(HttpHeaderNames.USER_AGENT);
        String target = request.target();
        LogLine line = LINE.get().reset();

        appendRemote(line, request.remoteAddress());
        line.appendAscii(" - - [").appendAscii(timestamp(epochMillis)).appendAscii("] \"");
        appendEscaped(line, request.method() == null ? "-" : request.method().name());
        line.append(' ');
        appendEscaped(line, target == null ? "-" : target);
        line.append(' ');
        appendEscaped(line, request.protocol() == null ? "-" : request.protocol().logName());
        line.appendAscii("\" ").appendDecimal(status).append(' ');
        // Apache's %b: "-" rather than 0 when no body byte was sent.
        if (bodyBytes > 0) {
            line.appendDecimal(bodyBytes);
        } else {
            line.append('-');
        }
        line.appendAscii(" \"");
        appendOptional(line, referer);
        line.appendAscii("\" \"");
        appendOptional(line, userAgent);
        line.appendAscii("\" ");
        appendSeconds(line, nanos);
        return line.append('\n').toBytes();
    }

    private static void appendRemote(LogLine line, InetSocketAddress remote) {
        if (remote == null) {
            line.append('-');
            return;
        }
        InetAddress address = remote.getAddress();
        if (address == null) {
            // An unresolved address has no InetAddress; its host string is still what the peer was known as.
            appendEscaped(line, remote.getHostString());
        } else {
            line.appendAddress(address);
        }
    }

    private static void appendOptional(LogLine line, String value) {
        if (value == null || value.isEmpty()) {
            line.append('-');
        } else {
            appendEscaped(line, value);
        }
    }

    private static void appendSeconds(LogLine line, long nanos) {
        long millis = Math.max(0, nanos) / 1_000_000;
        long fraction = millis % 1000;
        line.appendDecimal(millis / 1000).append('.');
        if (fraction < 100) {
            line.append('0');
        }
        if (fraction < 10) {
            line.append('0');
        }
        line.appendDecimal(fraction);
    }

    private static void appendEscaped(LogLine line, String s) {
        line.appendEscaped(s, MAX_FIELD_CHARS, TRUNCATED);
    }

    /** {@code 21/Nov/2026:21:55:48 +0000}, formatted once per second and shared by the event loops. */
    private byte[] timestamp(long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000L);
        CachedSecond cached = cachedSecond;
        if (cached == null || cached.epochSecond() != second) {
            // Racing event loops may both format the same second; the result is identical, so no lock.
            cached = new CachedSecond(second, formatSecond(second).getBytes(StandardCharsets.US_ASCII));
            cachedSecond = cached;
        }
        return cached.text();
    }

    static String formatSecond(long epochSecond) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
        StringBuilder sb = new StringBuilder(26);
        pad2(sb, t.getDayOfMonth()).append('/').append(MONTHS[t.getMonthValue() - 1]).append('/')
                .append(t.getYear()).append(':');
        pad2(sb, t.getHour()).append(':');
        pad2(sb, t.getMinute()).append(':');
        pad2(sb, t.getSecond()).append(" +0000");
        return sb.toString();
    }

    private static StringBuilder pad2(StringBuilder sb, int value) {
        if (value < 10) {
            sb.append('0');
        }
        return sb.append(value);
    }
}
