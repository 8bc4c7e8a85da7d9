package io.carbon.http;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether a connection is between exchanges, and since when: the protocol branches say so, and the connection
 * gate uses it to make room at {@code max_connections} by closing the connection idle the longest, as nginx
 * reuses its idle keep-alive connections. Idle means no exchange in progress: a keep-alive connection waiting
 * for its next request, a new or TLS-handshaking one, or one that has sent only part of a request head (a
 * slowloris client). A connection carrying a tunnel (a WebSocket) is never idle. Thread-safe.
 */
public final class ConnectionActivity {

    private static final AttributeKey<ConnectionActivity> KEY = AttributeKey.valueOf("carbon.connection-activity");

    private volatile boolean busy;
    private volatile boolean pinned;
    private volatile long idleSinceNanos = System.nanoTime();
    private final AtomicBoolean evicted = new AtomicBoolean();

    /** Gives a newly accepted connection its activity record (idle from now). */
    public static ConnectionActivity attach(Channel channel) {
        ConnectionActivity activity = new ConnectionActivity();
        channel.attr(KEY).set(activity);
        return activity;
    }

    /** The record of {@code channel}'s connection (for an HTTP/2 stream, its parent's); null if none. */
    public static ConnectionActivity of(Channel channel) {
        return ClientConnection.accepted(channel).attr(KEY).get();
    }

    /** An exchange started (a complete request head, an open HTTP/2 stream). */
    public void busy() {
        busy = true;
    }

    /** No exchange in progress any more. */
    public void idle() {
        if (!pinned) {
            idleSinceNanos = System.nanoTime();
            busy = false;
        }
    }

    /** The connection now carries a tunnel: never idle again. */
    public void pin() {
        pinned = true;
        busy = true;
    }

    /** True when the connection may be closed to make room. */
    public boolean idleNow() {
        return !busy && !evicted.get();
    }

    public long idleSinceNanos() {
        return idleSinceNanos;
    }

    /** Claims the connection for closing; false when it became busy or another newcomer claimed it first. */
    public boolean evict() {
        return !busy && evicted.compareAndSet(false, true);
    }
}
