package io.carbon.server;

import io.carbon.config.Cidr;
import io.carbon.http.ClientConnection;
import io.carbon.http.ConnectionActivity;
import io.carbon.http.SendTimeout;
import io.carbon.logging.ServerLog;
import io.carbon.metrics.Metrics;
import io.carbon.ratelimit.ConnectionLimiter;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The first thing a new connection meets on every listener: the connection limits, and the registry of open
 * connections that graceful shutdown drains. A refused connection is closed at once, counted, and logged at
 * most once per second so a flood cannot flood the log too.
 */
final class ConnectionGate {

    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ConnectionLimiter limiter;
    private volatile long sendTimeoutNanos;
    private final List<Cidr> proxyProtocolFrom;
    private final ChannelGroup openConnections;
    private final Metrics metrics;
    private final ServerLog log;
    private final AtomicLong lastRefusalLogged = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);
    private final AtomicLong refusedSinceLog = new AtomicLong();
    private final AtomicLong reclaimed = new AtomicLong();

    /**
     * @param sendTimeoutNanos  {@code send_timeout}, enforced on every admitted connection
     * @param proxyProtocolFrom with {@code proxy_protocol}: the trusted proxies every connection must come from
     *                          and start with a PROXY header; null when off
     */
    ConnectionGate(ConnectionLimiter limiter, ChannelGroup openConnections, ServerLog log, long sendTimeoutNanos,
                   List<Cidr> proxyProtocolFrom) {
        this(limiter, openConnections, log, sendTimeoutNanos, proxyProtocolFrom, null);
    }

    /** @param metrics told about admitted connections, their protocol and TLS handshakes; null = not counted */
    ConnectionGate(ConnectionLimiter limiter, ChannelGroup openConnections, ServerLog log, long sendTimeoutNanos,
                   List<Cidr> proxyProtocolFrom, Metrics metrics) {
        this.metrics = metrics;
        this.sendTimeoutNanos = sendTimeoutNanos;
        this.proxyProtocolFrom = proxyProtocolFrom;
        this.limiter = limiter;
        this.openConnections = openConnections;
        this.log = log;
    }

    /** A reload's new max_connections, max_connections_per_ip and send_timeout, for the next connections. */
    void limits(int maxConnections, int maxConnectionsPerIp, long sendTimeoutNanos) {
        limiter.limits(maxConnections, maxConnectionsPerIp);
        this.sendTimeoutNanos = sendTimeoutNanos;
    }

    /**
     * Lets the connection in (and arranges its release on close), or closes it and returns false. An admitted
     * connection's {@link ClientConnection} is resolved here, once.
     */
    boolean admit(Channel channel, boolean secure) {
        InetSocketAddress remote = (InetSocketAddress) channel.remoteAddress();
        if (!admit(channel, remote, ClientConnection.accepted(remote, secure))) {
            return false;
        }
        ConnectionActivity.attach(channel);
        channel.pipeline().addFirst("send-timeout", new SendTimeout(sendTimeoutNanos));
        return proxyProtocolFrom == null || ProxyProtocol.install(channel, proxyProtocolFrom, log);
    }

    /**
     * A QUIC connection (HTTP/3), under the same limits as TCP connections and counted with them: its client is
     * the UDP peer, its TLS is 1.3 (RFC 9001). QUIC has its own idle timeout and flow control, so no send timeout;
     * it is not offered for eviction (it has no idle state between requests that could be seen from here), and
     * no PROXY header can come first.
     */
    boolean admitQuic(Channel channel, InetSocketAddress remote) {
        return admit(channel, remote, ClientConnection.accepted(remote, true).withTls("TLSv1.3", null));
    }

    private boolean admit(Channel channel, InetSocketAddress remote, ClientConnection connection) {
        InetAddress address = remote.getAddress();
        ConnectionLimiter.Verdict verdict = limiter.acquire(address, this::closeLongestIdle);
        if (verdict != ConnectionLimiter.Verdict.ACCEPTED) {
            channel.close();
            logRefusal(address, verdict);
            return false;
        }
        ClientConnection.attach(channel, connection);
        boolean secure = connection.secure();
        openConnections.add(channel);
        if (metrics != null) {
            metrics.connectionAccepted(channel, secure);
        }
        if (log.isVerbose()) {
            log.verbose("connection opened from " + channel.remoteAddress());
            channel.closeFuture().addListener(f -> log.verbose("connection closed from " + channel.remoteAddress()));
        }
        channel.closeFuture().addListener(f -> limiter.release(address));
        return true;
    }

    /**
     * At {@code max_connections}: closes the connection that has been idle the longest (between requests, or
     * without a complete request head yet), so that silent or slowloris connections cannot keep newcomers out.
     * False when every connection is busy.
     */
    private boolean closeLongestIdle() {
        Channel oldest = null;
        long oldestSince = 0;
        for (Channel channel : openConnections) {
            ConnectionActivity activity = ConnectionActivity.of(channel);
            if (activity != null && activity.idleNow()
                    && (oldest == null || activity.idleSinceNanos() - oldestSince < 0)) {
                oldest = channel;
                oldestSince = activity.idleSinceNanos();
            }
        }
        if (oldest == null || !ConnectionActivity.of(oldest).evict()) {
            return false;
        }
        reclaimed.incrementAndGet();
        oldest.close();
        return true;
    }

    /** The connection's protocol is known (ALPN) or changed (h2c), for metrics. */
    void negotiated(Channel channel, boolean h2) {
        if (metrics != null) {
            metrics.connectionProtocol(channel, h2);
        }
    }

    /** A TLS handshake on an admitted connection ended, for metrics. */
    void tlsHandshake(boolean succeeded) {
        if (metrics != null) {
            metrics.tlsHandshake(succeeded);
        }
    }

    /** Idle connections closed to make room for newcomers, since start. */
    long reclaimed() {
        return reclaimed.get();
    }

    private void logRefusal(InetAddress address, ConnectionLimiter.Verdict verdict) {
        long refused = refusedSinceLog.incrementAndGet();
        long now = System.nanoTime();
        long last = lastRefusalLogged.get();
        if (now - last >= LOG_INTERVAL_NANOS && lastRefusalLogged.compareAndSet(last, now)) {
            refusedSinceLog.addAndGet(-refused);
            String why = verdict == ConnectionLimiter.Verdict.OVER_TOTAL ? "max_connections" : "max_connections_per_ip";
            log.warn("refused " + refused + " connection(s) over " + why + " (latest from "
                    + address.getHostAddress() + "; " + limiter.refused() + " refused since start)");
        }
    }
}
