package io.carbon.http;

/**
 * Told about every finished exchange exactly once, on every protocol, once the last byte was written, the
 * client went away, or the exchange was cut short: the access log, and metrics.
 */
@FunctionalInterface
public interface ExchangeListener {

    /**
     * @param request the request as it arrived (its protocol, client address and start time included)
     * @param outcome what was answered and how it ended
     */
    void exchangeCompleted(Request request, ExchangeOutcome outcome);
}
