package io.carbon.logging;

import io.carbon.config.LoggingConfig;
import io.carbon.http.ExchangeListener;
import io.carbon.http.Request;

/**
 * The access log in Combined Log Format plus the time taken, written by one writer thread fed through a
 * bounded JCTools queue, so an event loop never waits on the disk. {@link #close()} drains every queued line.
 */
public final class AccessLog implements ExchangeListener, AutoCloseable {

    public static AccessLog open(LoggingConfig config, ServerLog serverLog) {
        throw new UnsupportedOperationException("TODO");
    }

    @Override
    public void exchangeCompleted(Request request, int status, long bodyBytes, long nanos) {
        throw new UnsupportedOperationException("TODO");
    }

    public void reopen() { }

    @Override
    public void close() { }
}
