package io.carbon.metrics;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether the server should get traffic, as {@code /readyz} tells a load balancer: not while it is still
 * binding its listeners, and not from the moment a graceful shutdown begins (so the balancer stops sending new
 * requests while the ones in flight finish). Any thread.
 */
public final class Readiness {

    /** The states in the order a server goes through them. */
    public enum State {
        /** Listeners are being bound. */
        STARTING,
        /** Every listener is bound; not shutting down. */
        READY,
        /** A graceful shutdown has begun. */
        DRAINING
    }

    private final AtomicReference<State> state = new AtomicReference<>(State.STARTING);

    public State state() {
        return state.get();
    }

    /** Every listener is bound. A server already draining stays draining. */
    public void ready() {
        state.compareAndSet(State.STARTING, State.READY);
    }

    /** A graceful shutdown has begun: from now on {@code /readyz} answers 503. */
    public void draining() {
        state.set(State.DRAINING);
    }
}
