package io.carbon.http;

import java.util.List;

/**
 * Told about every finished exchange exactly once, on every protocol, once the last byte was written, the
 * client went away, or the exchange was cut short: the access log, and metrics. Runs on the connection's event
 * loop, so it must be quick and must not throw.
 */
@FunctionalInterface
public interface ExchangeListener {

    /** A listener that ignores every exchange (the admin listener's, whose scrapes are not logged or counted). */
    ExchangeListener NONE = (request, outcome) -> { };

    /**
     * @param request the request as it arrived (its protocol, client address and start time included)
     * @param outcome what was answered and how it ended
     */
    void exchangeCompleted(Request request, ExchangeOutcome outcome);

    /**
     * One listener that tells each of {@code listeners} in order (the access log, then metrics). With one
     * listener it is that listener, with two a pair without a loop: this runs once per request.
     */
    static ExchangeListener all(List<? extends ExchangeListener> listeners) {
        List<ExchangeListener> copy = List.copyOf(listeners);
        switch (copy.size()) {
            case 0:
                return NONE;
            case 1:
                return copy.get(0);
            case 2:
                ExchangeListener first = copy.get(0);
                ExchangeListener second = copy.get(1);
                return (request, outcome) -> {
                    first.exchangeCompleted(request, outcome);
                    second.exchangeCompleted(request, outcome);
                };
            default:
                ExchangeListener[] array = copy.toArray(new ExchangeListener[0]);
                return (request, outcome) -> {
                    for (ExchangeListener listener : array) {
                        listener.exchangeCompleted(request, outcome);
                    }
                };
        }
    }
}
