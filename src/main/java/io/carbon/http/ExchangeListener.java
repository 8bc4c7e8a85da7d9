package io.carbon.http;

/**
 * Told about every finished exchange, once the last byte was written or the client went away: the access
 * log, and later metrics.
 */
@FunctionalInterface
public interface ExchangeListener {

    /**
     * @param request   the request as it arrived
     * @param status    the status code sent
     * @param bodyBytes body bytes actually written (less than announced when the client left early)
     * @param nanos     time from the complete request head to the last byte written
     */
    void exchangeCompleted(Request request, int status, long bodyBytes, long nanos);
}
