package io.carbon.http;

import java.net.InetAddress;

/**
 * A per-client allowance that a feature spends without knowing how it is kept: WebSocket messages and channel
 * publishes spend {@code rate_limit_messages}. Implemented by the rate limiter; thread-safe.
 */
@FunctionalInterface
public interface ClientBudget {

    /** No limit. */
    ClientBudget UNLIMITED = client -> true;

    /** Spends one unit of {@code client}'s budget; false when there is none left now. */
    boolean tryTake(InetAddress client);
}
