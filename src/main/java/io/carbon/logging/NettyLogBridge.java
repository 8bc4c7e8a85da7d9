package io.carbon.logging;

import io.netty.util.internal.logging.AbstractInternalLogger;
import io.netty.util.internal.logging.FormattingTuple;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.MessageFormatter;

import java.util.Objects;

import static io.carbon.logging.ServerLog.Level.ERROR;
import static io.carbon.logging.ServerLog.Level.VERBOSE;
import static io.carbon.logging.ServerLog.Level.WARN;

/**
 * Sends Netty's own log messages to the {@link ServerLog}, so an operator finds them in {@code log_file} next
 * to Carbon's lines instead of in a different format on standard error: WARN and ERROR keep their level (with
 * the stack trace of the cause), INFO becomes a verbose line, DEBUG and TRACE are off (Netty asks
 * {@code isDebugEnabled()} first and then skips even formatting them).
 */
public final class NettyLogBridge extends InternalLoggerFactory {

    private final ServerLog log;

    public NettyLogBridge(ServerLog log) {
        this.log = Objects.requireNonNull(log, "log");
    }

    /**
     * Makes this bridge Netty's logger factory. Netty keeps its factory in a static field and each of its
     * classes keeps its logger in a static field too, so this is process-wide and reaches only the Netty
     * classes initialised afterwards: call it once, from {@code Main}, before the server's classes load.
     */
    public static void install(ServerLog log) {
        InternalLoggerFactory.setDefaultFactory(new NettyLogBridge(log));
    }

    @Override
    protected InternalLogger newInstance(String name) {
        return new Logger(name, log);
    }

    /** One Netty logger: named after a Netty class, writing into the shared server log. */
    private static final class Logger extends AbstractInternalLogger {

        private static final long serialVersionUID = 1L;

        private final transient ServerLog log;
        // The simple class name is enough to tell where a line comes from and keeps lines short.
        private final String prefix;

        Logger(String name, ServerLog log) {
            super(name);
            this.log = log;
            this.prefix = "netty " + name.substring(name.lastIndexOf('.') + 1) + ": ";
        }

        private void write(ServerLog.Level level, FormattingTuple tuple) {
            log.log(level, prefix + tuple.getMessage(), tuple.getThrowable());
        }

        private void write(ServerLog.Level level, String message, Throwable cause) {
            log.log(level, prefix + message, cause);
        }

        // TRACE and DEBUG: off, so Netty does not even build the messages.

        @Override public boolean isTraceEnabled() { return false; }
        @Override public void trace(String msg) { }
        @Override public void trace(String format, Object arg) { }
        @Override public void trace(String format, Object argA, Object argB) { }
        @Override public void trace(String format, Object... arguments) { }
        @Override public void trace(String msg, Throwable t) { }

        @Override public boolean isDebugEnabled() { return false; }
        @Override public void debug(String msg) { }
        @Override public void debug(String format, Object arg) { }
        @Override public void debug(String format, Object argA, Object argB) { }
        @Override public void debug(String format, Object... arguments) { }
        @Override public void debug(String msg, Throwable t) { }

        // INFO: Netty's informational lines are per-process detail, so only a verbose log shows them.

        @Override public boolean isInfoEnabled() { return log.isVerbose(); }

        @Override
        public void info(String msg) {
            if (isInfoEnabled()) {
                write(VERBOSE, msg, null);
            }
        }

        @Override
        public void info(String format, Object arg) {
            if (isInfoEnabled()) {
                write(VERBOSE, MessageFormatter.format(format, arg));
            }
        }

        @Override
        public void info(String format, Object argA, Object argB) {
            if (isInfoEnabled()) {
                write(VERBOSE, MessageFormatter.format(format, argA, argB));
            }
        }

        @Override
        public void info(String format, Object... arguments) {
            if (isInfoEnabled()) {
                write(VERBOSE, MessageFormatter.arrayFormat(format, arguments));
            }
        }

        @Override
        public void info(String msg, Throwable t) {
            if (isInfoEnabled()) {
                write(VERBOSE, msg, t);
            }
        }

        @Override public boolean isWarnEnabled() { return true; }
        @Override public void warn(String msg) { write(WARN, msg, null); }
        @Override public void warn(String format, Object arg) { write(WARN, MessageFormatter.format(format, arg)); }
        @Override public void warn(String msg, Throwable t) { write(WARN, msg, t); }

        @Override
        public void warn(String format, Object argA, Object argB) {
            write(WARN, MessageFormatter.format(format, argA, argB));
        }

        @Override
        public void warn(String format, Object... arguments) {
            write(WARN, MessageFormatter.arrayFormat(format, arguments));
        }

        @Override public boolean isErrorEnabled() { return true; }
        @Override public void error(String msg) { write(ERROR, msg, null); }
        @Override public void error(String format, Object arg) { write(ERROR, MessageFormatter.format(format, arg)); }
        @Override public void error(String msg, Throwable t) { write(ERROR, msg, t); }

        @Override
        public void error(String format, Object argA, Object argB) {
            write(ERROR, MessageFormatter.format(format, argA, argB));
        }

        @Override
        public void error(String format, Object... arguments) {
            write(ERROR, MessageFormatter.arrayFormat(format, arguments));
        }
    }
}
