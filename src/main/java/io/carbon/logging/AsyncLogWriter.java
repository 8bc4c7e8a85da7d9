package io.carbon.logging;

import org.jctools.queues.MpscArrayQueue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Appends ready-made lines (bytes, newline included) to one file from one writer thread fed through a bounded
 * JCTools queue, so a producer (an event loop) never waits on the disk. It knows nothing of what the lines
 * say: {@link AccessLog} formats them.
 *
 * <p>When the queue is full a line is dropped and counted ({@link #droppedLines()}), and the writer thread
 * warns in the server log at most every {@value #DROP_WARNING_INTERVAL_SECONDS} seconds; a producer never
 * blocks. A line the file refuses is counted as failed ({@link #failedLines()}) and the file is opened again
 * a few seconds later. {@link #reopen()} (SIGHUP, after logrotate) switches to a new file by the same path
 * between two lines; {@link #close()} drains every queued line.
 */
final class AsyncLogWriter implements AutoCloseable {

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

    /** How the writer thread opens the file; tests substitute streams that fail or block. */
    @FunctionalInterface
    interface OutputFactory {
        /** @throws UncheckedIOException naming the path and the reason */
        OutputStream open(Path file);
    }

    private final String name;
    private final String capacityKey;
    private final Path file;
    private final int capacity;
    private final MpscArrayQueue<Object> queue;
    private final ServerLog serverLog;
    private final OutputFactory outputFactory;
    private final Thread writerThread;
    /** Queued by {@link #reopen()} so that lines written before it go to the old file and later ones to the new. */
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

    // Owned by the writer thread (set before it starts).
    private OutputStream out;
    private long lastOpenAttemptNanos;
    private long droppedReported;
    private long lastDropWarningNanos;

    private AsyncLogWriter(String name, String capacityKey, Path file, int capacity, ServerLog serverLog,
                           OutputFactory outputFactory, OutputStream initial) {
        this.name = name;
        this.capacityKey = capacityKey;
        this.file = file;
        this.capacity = capacity;
        this.serverLog = serverLog;
        this.outputFactory = outputFactory;
        this.out = initial;
        this.queue = new MpscArrayQueue<>(Math.max(2, capacity));
        // "access log" -> "carbon-access-log"
        this.writerThread = new Thread(this::runWriter, "carbon-" + name.replace(' ', '-'));
        this.writerThread.setDaemon(true);
        this.lastDropWarningNanos = System.nanoTime() - DROP_WARNING_INTERVAL_NANOS;
    }

    /**
     * Opens {@code file} on the calling thread, so a bad path fails start-up instead of losing lines later, and
     * starts the writer thread.
     *
     * @param name          what the server log calls this log, e.g. {@code access log}; the thread is named after it
     * @param capacityKey   the config key that set {@code capacity}, named in the drop warning
     * @param capacity      lines the queue holds (rounded up to a power of two)
     * @throws UncheckedIOException naming the path and the operating system's reason
     */
    static AsyncLogWriter open(String name, String capacityKey, Path file, int capacity, ServerLog serverLog,
                               OutputFactory outputFactory) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(serverLog, "serverLog");
        if (capacity < 1) {
            throw new IllegalArgumentException(capacityKey + " must be at least 1, got " + capacity);
        }
        OutputStream initial = outputFactory.open(file);
        AsyncLogWriter writer = new AsyncLogWriter(name, capacityKey, file, capacity, serverLog, outputFactory,
                initial);
        writer.writerThread.start();
        return writer;
    }

    /** Lines lost because the queue was full, or because they arrived after {@link #close()}. */
    long droppedLines() {
        return dropped.get();
    }

    /** Lines lost because the file could not be written or opened. */
    long failedLines() {
        return failed.get();
    }

    /**
     * Queues {@code line} (the caller gives it up: it is written as it is when its turn comes), or counts it as
     * dropped when the queue is full or the writer is closed. Never blocks.
     */
    void write(byte[] line) {
        if (!offer(line)) {
            dropped.incrementAndGet();
        }
    }

    /**
     * Asks the writer thread to close and reopen the file by its path (after logrotate renamed it). Lines
     * written before this call still go to the old file. Returns at once.
     */
    void reopen() {
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
     * Idempotent.
     */
    @Override
    public void close() {
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
            serverLog.error(name + " writer thread failed; " + name + " lines are no longer written", t);
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
                    dirty |= writeNow((byte[]) item);
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
    private boolean writeNow(byte[] line) {
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

    /** After an I/O error: log it, drop the stream, and open the file again after {@link #RETRY_OPEN_NANOS}. */
    private void lostFile(String what, Exception e) {
        serverLog.error(name + ": " + what + " " + file + ": " + e.getMessage()
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
            serverLog.info(name + " reopened: " + file);
        }
    }

    private boolean openOut() {
        lastOpenAttemptNanos = System.nanoTime();
        try {
            out = outputFactory.open(file);
            return true;
        } catch (RuntimeException e) {
            serverLog.error(name + ": " + e.getMessage(), null);
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
            serverLog.error(name + ": cannot close " + file + ": " + e.getMessage(), null);
        }
        out = null;
    }

    private void reportDrops(boolean force) {
        long total = dropped.get();
        long now = System.nanoTime();
        if (total != droppedReported && (force || now - lastDropWarningNanos >= DROP_WARNING_INTERVAL_NANOS)) {
            serverLog.warn(name + ": " + (total - droppedReported) + " lines dropped because the queue ("
                    + capacityKey + " = " + capacity + ") was full or the log was closing; "
                    + total + " in total");
            droppedReported = total;
            lastDropWarningNanos = now;
        }
    }
}
