package io.carbon.server;

import io.carbon.config.ConfigLoader;
import io.carbon.config.NetworkConfig;
import io.carbon.config.ServerConfig;
import io.carbon.http.DrainEvent;
import io.carbon.http.RouteTable;
import io.carbon.http3.QuicRetryTokens;
import io.carbon.logging.ServerLog;
import io.carbon.metrics.AdminRoutes;
import io.carbon.metrics.Metrics;
import io.carbon.metrics.Readiness;
import io.carbon.ratelimit.ConnectionLimiter;
import io.carbon.tls.SelfSignedRenewal;
import io.carbon.tls.TlsException;
import io.carbon.tls.TlsLog;
import io.carbon.websocket.WebSocketService;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * One running Carbon: the event loop groups, the blocking pool, the listeners and the shared exchange
 * handling they all feed. {@link #start()} binds, {@link #shutdown()} drains gracefully.
 */
public final class CarbonServer {

    /** Queued file-system tasks beyond which a request is answered 503 instead of waiting unboundedly. */
    private static final int BLOCKING_QUEUE = 4096;

    /**
     * Keys a reload cannot apply, because they decide which sockets and threads exist: a reload that changes
     * one names it in the log and keeps the value the server started with.
     */
    public static final Set<String> RESTART_KEYS = Set.of("port", "https_port", "use_https", "server_name",
            "enable_http2", "enable_h2c", "enable_websocket", "max_threads", "redirect_to_https", "proxy_protocol",
            "running", "admin_port", "admin_address");

    /** Parts replaced by a reload are closed this long after, once the requests still using them are done. */
    private static final long RETIRE_AFTER_SECONDS = 60;

    /** The configuration the server started with: what its sockets and threads are. */
    private final ServerConfig config;
    private final ServerLog log;
    private final Transport transport = Transport.best();
    private final List<Channel> listeners = new ArrayList<>();
    /** What {@link #start()} bound, as URLs: for the log and systemd's status line. */
    private final List<String> urls = new ArrayList<>();
    private final ChannelGroup openConnections = new DefaultChannelGroup("connections", GlobalEventExecutor.INSTANCE);

    private EventLoopGroup acceptor;
    private EventLoopGroup workers;
    private ThreadPoolExecutor blockingPool;
    private ConnectionGate gate;
    /** What answers requests, swapped whole by a reload; listeners read it per connection and per request. */
    private volatile Site site;
    // The admin listener (admin_port): health, readiness and metrics. See startAdmin().
    /** Null when admin_port is 0: then nothing is counted either. */
    private Metrics metrics;
    private final Readiness readiness = new Readiness();
    private final ChannelGroup adminConnections = new DefaultChannelGroup("admin", GlobalEventExecutor.INSTANCE);
    private Channel adminListener;
    private int adminPort;
    /** The HTTP/3 sockets: open until the drain ended, so QUIC connections can finish their requests. */
    private final List<Channel> quicSockets = new ArrayList<>();
    /** The UDP port of HTTP/3 once listening, else 0 (no Alt-Svc then). */
    private volatile int http3Port;
    /** The QUIC TLS context handed out last, kept for when a reloaded certificate does not load into QUIC. */
    private volatile QuicSslContext lastQuicTls;
    /** Keeps Carbon's own self-signed certificate from expiring (null without use_https). */
    private SelfSignedRenewal certificateRenewal;
    /** WebTransport channel datagrams a congested member missed, since start. */
    private final LongAdder droppedDatagrams = new LongAdder();
    /** Set when shutdown begins: new QUIC connections are refused from then on. */
    private volatile boolean draining;
    /** Plain port, then TLS port (0 = not bound), known after start even once the listeners closed. */
    private final int[] boundPorts = new int[2];
    private static final int PLAIN = 0;
    private static final int TLS = 1;

    public CarbonServer(ServerConfig config, ServerLog log) {
        this.config = config;
        this.log = log;
    }

    /**
     * Binds every listener. On failure everything already started is released and the exception says which
     * address could not be bound and why.
     */
    public void start() throws IOException {
        NetworkConfig network = config.network();
        StartupPreload.start(network.useHttps(), network.useHttps() && config.http3().enabled());
        int threads = network.maxThreads();
        // With a listener per worker (SO_REUSEPORT) the workers accept themselves: no acceptor thread.
        acceptor = transport.reusePort() ? null : transport.newGroup(1, "carbon-accept");
        workers = transport.newGroup(threads, "carbon-worker");
        blockingPool = new ThreadPoolExecutor(blockingThreads(), blockingThreads(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(BLOCKING_QUEUE), new DefaultThreadFactory("carbon-blocking", true));
        blockingPool.allowCoreThreadTimeOut(true);
        metrics = newMetrics();
        gate = new ConnectionGate(
                new ConnectionLimiter(network.maxConnections(), network.maxConnectionsPerIp()), openConnections, log,
                config.http().sendTimeout().toNanos(),
                config.rateLimit().proxyProtocol() ? config.rateLimit().trustedProxies() : null, metrics);
        boolean http2 = network.enableHttp2();
        boolean h2c = http2 && config.http2().enableH2c();
        boolean websockets = config.enableWebsocket();

        try {
            site = Site.first(new Site.Context(log, blockingPool, workers, config, this::httpsPort, metrics,
                    this::altSvc, droppedDatagrams), config);
            if (network.useHttps()) {
                certificateRenewal = new SelfSignedRenewal(this::renewalTarget,
                        TlsLog.of(log::info, log::warn, message -> log.error(message, null)));
                certificateRenewal.start();
                Channel secure = bind(TLS, network.httpsPort(),
                        new TlsInitializer(gate, this::site, http2, log, websockets));
                urls.add("https://" + hostPort((InetSocketAddress) secure.localAddress()));
                log.info("listening on https://" + hostPort((InetSocketAddress) secure.localAddress())
                        + (http2 ? " (HTTP/2, HTTP/1.1; TLS)" : " (HTTP/1.1; TLS)"));
            }
            boolean redirect = config.tls().redirectToHttps();
            Channel plain = bind(PLAIN, network.port(),
                    new PlainHttpInitializer(gate, this::site, current -> current.plainExchanges, h2c,
                            !redirect && websockets));
            urls.add(0, "http://" + hostPort((InetSocketAddress) plain.localAddress()));
            log.info("listening on http://" + hostPort((InetSocketAddress) plain.localAddress())
                    + (redirect ? " (redirects to HTTPS)" : h2c ? " (HTTP/1.1, h2c)" : " (HTTP/1.1)"));
            startAdmin();
            // Last: QUIC is the slowest to start (its native library, a socket per worker), and a failure there
            // is only logged; TCP already answers meanwhile.
            if (network.useHttps() && config.http3().enabled()) {
                startHttp3();
            }
        } catch (IOException | TlsException | RuntimeException e) {
            shutdownNow();
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
        log.info("transport " + transport.label() + ", " + threads + " worker thread(s)"
                + (transport.reusePort() ? " accepting on their own listeners (SO_REUSEPORT)" : "") + ", max_connections "
                + network.maxConnections() + ", serving " + config.files().wwwPath());
    }

    /**
     * Binds HTTP/3 on UDP (http3_port, or the HTTPS port's number). A failure to start it (the QUIC library, the
     * UDP port) is logged and the server goes on without it: TCP clients are served as before and are not told
     * about HTTP/3 (no Alt-Svc).
     */
    private void startHttp3() {
        int port = config.http3().port() != 0 ? config.http3().port() : boundPorts[TLS];
        InetSocketAddress address = new InetSocketAddress(config.network().serverName(), port);
        try {
            site.tls.quicContext(); // the certificate must load into QUIC's TLS too, or there is no point
            QuicSslContext certificate = QuicSslContextBuilder.buildForServerWithSni(name -> currentQuicTls());
            List<Channel> sockets = Http3Listener.bind(transport, workers, address, config.http3(), certificate,
                    config.http3().retry() ? new QuicRetryTokens() : null,
                    new QuicInitializer(gate, this::site, () -> draining, config.enableWebsocket()), log);
            quicSockets.addAll(sockets);
            http3Port = ((InetSocketAddress) sockets.get(0).localAddress()).getPort();
            log.info("listening on udp://" + hostPort((InetSocketAddress) sockets.get(0).localAddress())
                    + " (HTTP/3; QUIC" + (config.http3().retry() ? ", address validation by Retry" : "") + ", "
                    + sockets.size() + " socket(s))");
        } catch (IOException | TlsException | RuntimeException | LinkageError e) {
            log.error("HTTP/3 is off: " + e.getMessage(), null);
        }
    }

    /** The QUIC TLS context of the current site's certificate (a reload swaps it), or the last good one. */
    private QuicSslContext currentQuicTls() {
        try {
            lastQuicTls = site.tls.quicContext();
        } catch (TlsException e) {
            log.error("HTTP/3 keeps the certificate loaded before: " + e.getMessage(), null);
        }
        return lastQuicTls;
    }

    /** {@code h3=":PORT"; ma=SECONDS} (RFC 7838, RFC 9114 §3.1.1) while HTTP/3 listens, else null. */
    private String altSvc() {
        int port = http3Port;
        return port == 0 ? null
                : "h3=\":" + port + "\"; ma=" + site.config.http3().altSvcMaxAge().toSeconds();
    }

    /** The UDP port HTTP/3 listens on, or 0 when it does not (tests). */
    public int http3Port() {
        return http3Port;
    }

    private Site site() {
        return site;
    }

    /** What certificate renewal looks at: the current site's files and context. */
    private SelfSignedRenewal.Target renewalTarget() {
        Site current = site;
        return current == null || current.tls == null ? null : new SelfSignedRenewal.Target(current.config, current.tls);
    }

    private static int blockingThreads() {
        return Math.max(4, Runtime.getRuntime().availableProcessors() * 2);
    }

    /** @param slot where {@link #port()} / {@link #httpsPort()} find the bound port: 0 plain, 1 TLS */
    private Channel bind(int slot, int port, ChannelHandler initializer) throws IOException {
        String host = config.network().serverName();
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IOException("cannot listen on " + host + ":" + port + ": server_name does not resolve");
        }
        try {
            Channel first;
            if (transport.reusePort()) {
                first = bindPerWorker(address, initializer);
            } else {
                first = bootstrap(acceptor, workers, initializer).bind(address).syncUninterruptibly().channel();
                listeners.add(first);
            }
            boundPorts[slot] = ((InetSocketAddress) first.localAddress()).getPort();
            return first;
        } catch (Exception e) {
            throw new IOException("cannot listen on " + hostPort(address) + ": " + e.getMessage(), e);
        }
    }

    /**
     * TCP_DEFER_ACCEPT: the kernel hands over a connection once its first bytes arrived (every protocol
     * served here has the client speak first), so the worker accepts it, reads the request and answers in one
     * wake-up instead of two, about 6% less CPU per short connection (measured with ab). A connection that stays
     * silent is handed over anyway after about this long, and the header timeout runs from then; until then
     * it costs the kernel a little memory and Carbon nothing. Apache httpd does the same by default on Linux.
     */
    private static final int DEFER_ACCEPT_SECONDS = 1;

    /**
     * One listening socket per worker loop, all on one port (SO_REUSEPORT): the kernel spreads new
     * connections across them, and each worker accepts its own, with no hand-off from an acceptor thread
     * (a wake-up of another thread per connection: a fifth of the cost of a short connection, measured with
     * ab). SO_REUSEPORT would also let a second Carbon on the same port share it silently; binding the port
     * once without it first makes a second instance fail with "address in use", as without it.
     */
    private Channel bindPerWorker(InetSocketAddress address, ChannelHandler initializer)
            throws IOException {
        InetSocketAddress exclusive;
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(address, 1);
            exclusive = new InetSocketAddress(address.getAddress(), probe.getLocalPort());
        }
        Channel first = null;
        for (EventExecutor executor : workers) {
            EventLoop loop = (EventLoop) executor;
            Channel channel = bootstrap(loop, loop, initializer)
                    .option(EpollChannelOption.SO_REUSEPORT, true)
                    .option(EpollChannelOption.TCP_DEFER_ACCEPT, DEFER_ACCEPT_SECONDS)
                    .bind(exclusive).syncUninterruptibly().channel();
            listeners.add(channel);
            first = first == null ? channel : first;
        }
        return first;
    }

    private ServerBootstrap bootstrap(EventLoopGroup parent, EventLoopGroup children,
                                      ChannelHandler initializer) {
        return new ServerBootstrap()
                .group(parent, children)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                // No child options: each is a system call on every accepted connection. Netty turns
                // TCP_NODELAY on by itself, and SO_KEEPALIVE is left off, as nginx does: header, keep-alive,
                // HTTP/2 and WebSocket idle timeouts close a dead peer's connection long before TCP would.
                .childHandler(initializer);
    }

    private static String hostPort(InetSocketAddress address) {
        String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** The listeners bound by {@link #start()}, as URLs ({@code http://0.0.0.0:8080}), plain first. */
    public List<String> listening() {
        return List.copyOf(urls);
    }

    /** The port the plain HTTP listener is bound to (useful with {@code port = 0}). */
    public int port() {
        return boundPorts[PLAIN];
    }

    /** The port the TLS listener is bound to, or the configured https_port before it is bound. */
    public int httpsPort() {
        return boundPorts[TLS] != 0 ? boundPorts[TLS] : config.network().httpsPort();
    }

    public String transport() {
        return transport.label();
    }

    /**
     * What a reload did: the keys it applied, and those it could not because they need a restart (they keep the
     * values the server started with).
     */
    public record ReloadReport(List<String> applied, List<String> needRestart) {
    }

    /**
     * SIGHUP: applies {@code next} to everything that needs no new socket, without closing a connection: the
     * next request on every connection gets the new routes, headers, files, cache, compression, rate limits
     * and access log; connections opened from now on get the new protocol limits, timeouts and certificate
     * (open ones keep theirs, as with nginx's old workers). Even when nothing changed it reopens the access
     * log, empties the file cache (a deploy is visible at once), re-reads the error pages and the certificate.
     * A part that could not be rebuilt (a bad new certificate) is reported and the current one stays.
     */
    public synchronized ReloadReport reload(ServerConfig next) {
        Site current = site;
        List<String> changed = ConfigLoader.changedKeys(current.config, next);
        List<String> needRestart = changed.stream().filter(RESTART_KEYS::contains).toList();
        List<String> applied = changed.stream().filter(key -> !RESTART_KEYS.contains(key)).toList();
        List<AutoCloseable> retired = new ArrayList<>();
        site = current.next(next, retired);
        if (certificateRenewal != null) {
            certificateRenewal.checkSoon(); // self_signed_for_webtransport may have been turned on
        }
        NetworkConfig network = next.network();
        gate.limits(network.maxConnections(), network.maxConnectionsPerIp(), next.http().sendTimeout().toNanos());
        if (!retired.isEmpty()) {
            try {
                workers.schedule(() -> retired.forEach(this::closeQuietly), RETIRE_AFTER_SECONDS, TimeUnit.SECONDS);
            } catch (RejectedExecutionException shuttingDown) {
                retired.forEach(this::closeQuietly); // a reload racing a shutdown: nothing will use them again
            }
        }
        return new ReloadReport(applied, needRestart);
    }

    /** Applies the running configuration again: reopens, empties and re-reads as {@link #reload(ServerConfig)}. */
    public ReloadReport reload() {
        return reload(site.config);
    }

    private void closeQuietly(AutoCloseable part) {
        try {
            part.close();
        } catch (Exception e) {
            log.warn("closing a part replaced by a reload failed: " + e);
        }
    }

    /** The configuration requests are answered with now (the last one reloaded). */
    public ServerConfig currentConfig() {
        return site.config;
    }

    /** SIGUSR1 (logrotate's postrotate): closes and reopens the access log by its path. */
    public void reopenLogs() {
        site.accessLog.reopen();
    }

    // ---- the admin listener: health, readiness, metrics ----------------------------------------------------

    /** Connections the admin listener takes at once: scrapers and probes, not the public. */
    private static final int ADMIN_MAX_CONNECTIONS = 64;

    /**
     * The metrics every exchange, connection and TLS handshake is counted in, wired to the current site's
     * features (read at scrape time, so a reload's new cache or rate limiter is what is read; their counters
     * start from zero then, which Prometheus takes as a counter reset); null when admin_port is 0 (nobody could
     * read them, so nothing is counted).
     */
    private Metrics newMetrics() {
        if (!config.network().adminEnabled()) {
            return null;
        }
        Metrics made = new Metrics();
        made.fileCache(() -> site.staticFiles.cacheHits(), () -> site.staticFiles.cacheMisses(),
                () -> site.staticFiles.cacheEvictions(), () -> site.staticFiles.cacheBytesNow(),
                () -> site.staticFiles.cacheEntries());
        made.rateLimit(() -> site.rateLimit != null ? site.rateLimit.refused() : 0);
        if (config.http3().webTransport()) {
            made.webTransport(droppedDatagrams::sum);
        }
        if (config.enableWebsocket()) {
            made.webSockets(() -> site.websockets.openSessions(), () -> site.websockets.messagesReceived(),
                    () -> site.websockets.messagesSent(), () -> site.websockets.sseSubscribers(),
                    () -> site.websockets.channels());
        }
        return made;
    }

    /**
     * Binds admin_address:admin_port, after the other listeners (so their errors come first), and marks the
     * server ready. Plain HTTP/1.1 through the same initializer, limits, timeouts and error answers as the
     * plain port, but with a gate of its own (ADMIN_MAX_CONNECTIONS; no PROXY protocol, as scrapers and probes
     * connect directly; not in the count of connections that graceful shutdown waits for), no rate limit, no
     * h2c, no WebSocket, and no listener: scrapes and probes come every few seconds, forever, and would bury
     * the access log's requests and skew the request metrics (Caddy does not log its admin API either).
     * The listener stays open through the drain, so /readyz can say "draining"; shutdownNow() closes it.
     */
    private void startAdmin() throws IOException {
        NetworkConfig network = config.network();
        if (metrics == null) {
            readiness.ready();
            return;
        }
        RouteTable.Builder table = RouteTable.builder();
        AdminRoutes.routes(metrics, readiness).forEach(table::route);
        RouteTable routes = table.build();
        ConnectionGate adminGate = new ConnectionGate(new ConnectionLimiter(ADMIN_MAX_CONNECTIONS, 0),
                adminConnections, log, config.http().sendTimeout().toNanos(), null);
        InetSocketAddress address = new InetSocketAddress(network.adminAddress(), network.adminPort());
        try {
            adminListener = bootstrap(acceptor != null ? acceptor : workers, workers,
                    new PlainHttpInitializer(adminGate, this::site, current -> current.adminExchanges(routes),
                            false, false))
                    .bind(address).syncUninterruptibly().channel();
        } catch (Exception e) {
            throw new IOException("cannot listen on " + hostPort(address) + " (admin_port): " + e.getMessage(), e);
        }
        adminPort = ((InetSocketAddress) adminListener.localAddress()).getPort();
        log.info("admin listening on http://" + hostPort((InetSocketAddress) adminListener.localAddress())
                + " (/healthz, /readyz, /metrics)");
        readiness.ready();
    }

    /** Closes the admin listener and its connections: the very end of a shutdown. */
    private void stopAdmin() {
        if (adminListener != null) {
            adminListener.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        adminConnections.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    }

    /** The admin listener's port, or 0 when admin_port is 0 (for tests). */
    public int adminPort() {
        return adminPort;
    }

    /** The WebSocket service, or null when enable_websocket is off (for tests and diagnostics). */
    public WebSocketService webSockets() {
        return site.websockets;
    }

    /** The open connections themselves (tests look at their sockets' options). */
    public ChannelGroup connections() {
        return openConnections;
    }

    /** Connections open right now. */
    public int openConnections() {
        return openConnections.size();
    }

    /**
     * Graceful shutdown: stop accepting, let in-flight responses finish for up to {@code shutdown_timeout},
     * close what is left, drain the access log.
     */
    public void shutdown() {
        readiness.draining(); // first: load balancers stop sending while the listeners close and requests finish
        draining = true;
        for (Channel listener : listeners) {
            listener.close().syncUninterruptibly();
        }
        Site current = site;
        if (current.websockets != null) {
            // Close 1001 to every WebSocket (RFC 6455 §7.4.1), including those on HTTP/2 streams, which never
            // see the connection's drain event.
            current.websockets.shutdown();
        }
        for (Channel connection : openConnections) {
            connection.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
        }
        long deadline = System.nanoTime() + current.config.network().shutdownTimeout().toNanos();
        while (!openConnections.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!openConnections.isEmpty()) {
            log.warn("shutdown_timeout reached: closing " + openConnections.size() + " connection(s) still busy");
        }
        shutdownNow();
    }

    /** Closes everything at once. */
    private void shutdownNow() {
        openConnections.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        for (Channel socket : quicSockets) {
            socket.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        quicSockets.clear();
        stopAdmin();
        if (certificateRenewal != null) {
            certificateRenewal.close();
        }
        for (EventLoopGroup group : new EventLoopGroup[] {acceptor, workers}) {
            if (group != null) {
                group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
            }
        }
        if (blockingPool != null) {
            blockingPool.shutdownNow();
        }
        if (site != null) {
            site.parts().forEach(this::closeQuietly);
        }
        listeners.clear();
    }
}
