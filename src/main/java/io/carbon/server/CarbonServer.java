package io.carbon.server;

import io.carbon.config.Http2Config;
import io.carbon.config.NetworkConfig;
import io.carbon.config.RateLimitConfig;
import io.carbon.config.ServerConfig;
import io.carbon.http.DrainEvent;
import io.carbon.http.ErrorPages;
import io.carbon.http.ExchangeListener;
import io.carbon.http.Exchanges;
import io.carbon.http.ResponseFinisher;
import io.carbon.http.BodyPolicy;
import io.carbon.http.ClientBudget;
import io.carbon.http.Route;
import io.carbon.http.RouteTable;
import io.carbon.http.StandardHeaders;
import io.carbon.logging.AccessLog;
import io.carbon.logging.ServerLog;
import io.carbon.metrics.AdminRoutes;
import io.carbon.metrics.Metrics;
import io.carbon.metrics.Readiness;
import io.carbon.ratelimit.ConnectionLimiter;
import io.carbon.ratelimit.RateLimitDecorator;
import io.carbon.ratelimit.RequestRateLimiter;
import io.carbon.ratelimit.TrustedProxies;
import io.carbon.staticfiles.StaticFileHandler;
import io.carbon.websocket.WebSocketService;
import io.carbon.config.FileCacheConfig;
import io.carbon.tls.ReloadableSslContext;
import io.carbon.tls.SelfSignedCertificate;
import io.carbon.tls.TlsException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.internal.PlatformDependent;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One running Carbon: the event loop groups, the blocking pool, the listeners and the shared exchange
 * handling they all feed. {@link #start()} binds, {@link #shutdown()} drains gracefully.
 */
public final class CarbonServer {

    /** Queued file-system tasks beyond which a request is answered 503 instead of waiting unboundedly. */
    private static final int BLOCKING_QUEUE = 4096;

    private final ServerConfig config;
    private final ServerLog log;
    private final Transport transport = Transport.best();
    private final List<Channel> listeners = new ArrayList<>();
    private final ChannelGroup openConnections = new DefaultChannelGroup("connections", GlobalEventExecutor.INSTANCE);

    private EventLoopGroup acceptor;
    private EventLoopGroup workers;
    private ThreadPoolExecutor blockingPool;
    private StaticFileHandler staticFiles;
    /** Null when enable_websocket is off. */
    private WebSocketService websockets;
    private AccessLog accessLog;
    private ReloadableSslContext tlsContext;
    /** Plain port, then TLS port (0 = not bound), known after start even once the listeners closed. */
    private final int[] boundPorts = new int[2];
    private static final int PLAIN = 0;
    private static final int TLS = 1;
    private ResponseFinisher finisher;
    /** Null when rate_limit_requests is 0. */
    private RateLimitDecorator rateLimit;

    // The admin listener (admin_port): health, readiness and metrics. See startAdmin().
    /** Null when admin_port is 0: then nothing is counted either. */
    private Metrics metrics;
    private final Readiness readiness = new Readiness();
    private final ChannelGroup adminConnections = new DefaultChannelGroup("admin", GlobalEventExecutor.INSTANCE);
    private Channel adminListener;
    private int adminPort;

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
        int threads = network.maxThreads();
        // With a listener per worker (SO_REUSEPORT) the workers accept themselves: no acceptor thread.
        acceptor = transport.reusePort() ? null : transport.newGroup(1, "carbon-accept");
        workers = transport.newGroup(threads, "carbon-worker");
        blockingPool = new ThreadPoolExecutor(blockingThreads(), blockingThreads(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(BLOCKING_QUEUE), new DefaultThreadFactory("carbon-blocking", true));
        blockingPool.allowCoreThreadTimeOut(true);
        accessLog = AccessLog.open(config.logging(), log);
        finisher = new ResponseFinisher(new StandardHeaders(config.http().securityHeaders(), config.tls().hstsHeader()),
                ErrorPages.load(config.files().wwwPath()));
        staticFiles = new StaticFileHandler(config.files(), cacheWithinDirectMemory(config.cache()),
                config.compression(), blockingPool, log::warn);
        staticFiles.warnings().forEach(log::warn);
        websockets = config.enableWebsocket() ? new WebSocketService(config.websocket(), workers, messageBudget()) : null;
        rateLimit = config.rateLimit().enabled()
                ? new RateLimitDecorator(new RequestRateLimiter(config.rateLimit(), System::nanoTime), log::warn) : null;
        metrics = newMetrics();
        Exchanges exchanges = exchanges(routes());
        ConnectionGate gate = new ConnectionGate(
                new ConnectionLimiter(network.maxConnections(), network.maxConnectionsPerIp()), openConnections, log,
                config.http().sendTimeout().toNanos(),
                config.rateLimit().proxyProtocol() ? config.rateLimit().trustedProxies() : null, metrics);
        Http2Config http2 = network.enableHttp2() ? config.http2() : null;
        Http2Config h2c = http2 != null && http2.enableH2c() ? http2 : null;

        try {
            if (network.useHttps()) {
                tlsContext = loadTls(network.enableHttp2());
                Channel secure = bind(TLS, network.httpsPort(),
                        new TlsInitializer(gate, tlsContext, exchanges, config.http(), http2, log, websockets != null,
                                config.tls().handshakeTimeout()));
                log.info("listening on https://" + hostPort((InetSocketAddress) secure.localAddress())
                        + (http2 != null ? " (HTTP/2, HTTP/1.1; TLS)" : " (HTTP/1.1; TLS)"));
            }
            boolean redirect = config.tls().redirectToHttps();
            Exchanges plainExchanges = redirect
                    ? exchanges(withDecorators(RouteTable.builder()).route(new Route("https redirect", path -> true,
                            new HttpsRedirect(network.serverName(), httpsPort()), List.of(),
                            request -> BodyPolicy.DISCARD)).build())
                    : exchanges;
            Channel plain = bind(PLAIN, network.port(), new PlainHttpInitializer(gate, plainExchanges,
                    config.http(), h2c, !redirect && websockets != null));
            log.info("listening on http://" + hostPort((InetSocketAddress) plain.localAddress())
                    + (redirect ? " (redirects to HTTPS)" : h2c != null ? " (HTTP/1.1, h2c)" : " (HTTP/1.1)"));
            startAdmin();
        } catch (IOException | TlsException | RuntimeException e) {
            shutdownNow();
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
        log.info("transport " + transport.label() + ", " + threads + " worker thread(s)"
                + (transport.reusePort() ? " accepting on their own listeners (SO_REUSEPORT)" : "") + ", max_connections "
                + network.maxConnections() + ", serving " + config.files().wwwPath());
    }

    /**
     * The cache lives in direct memory, which the JVM caps (-XX:MaxDirectMemorySize, by default the heap
     * limit: small in a container). A budget above half the cap would end in allocation failures under load,
     * so it is lowered, and the log says so.
     */
    private FileCacheConfig cacheWithinDirectMemory(FileCacheConfig cache) {
        long cap = PlatformDependent.maxDirectMemory() / 2;
        if (cache.maxBytes() <= cap) {
            return cache;
        }
        log.warn("cache_max_bytes = " + cache.maxBytes() + " is more than half of the JVM's direct memory ("
                + PlatformDependent.maxDirectMemory() + " bytes); using " + cap
                + ". Raise -XX:MaxDirectMemorySize (or the heap, -Xmx) to cache more.");
        return new FileCacheConfig(cap, cache.maxFileSize(), cache.revalidate());
    }

    /**
     * The route table every branch hands its exchanges to: the WebSocket paths (handshakes become tunnels;
     * SSE and publishing), then static files for every other path (GET and HEAD; OPTIONS and 405 answered by
     * the table). Decorators (rate limits, metrics) wrap it here.
     */
    private RouteTable routes() {
        RouteTable.Builder routes = withDecorators(RouteTable.builder());
        if (websockets != null) {
            routes.route(websockets.route());
        }
        return routes.route(Route.of("static files", path -> true, staticFiles, HttpMethod.GET, HttpMethod.HEAD))
                .build();
    }

    /** Each client's budget for WebSocket messages and channel publishes (rate_limit_messages). */
    private ClientBudget messageBudget() {
        RateLimitConfig limits = config.rateLimit();
        return limits.messages() > 0 ? new RequestRateLimiter(limits.forMessages(), System::nanoTime)
                : ClientBudget.UNLIMITED;
    }

    /** The decorators every route table gets: the request rate limit (when rate_limit_requests is on). */
    private RouteTable.Builder withDecorators(RouteTable.Builder table) {
        if (rateLimit != null) {
            table.decorator(rateLimit);
        }
        return table;
    }

    private Exchanges exchanges(RouteTable routes) {
        ExchangeListener listener = metrics == null ? accessLog : ExchangeListener.all(List.of(accessLog, metrics));
        return new Exchanges(routes, finisher, listener,
                (request, failure) -> log.error("handler failed on " + request.method() + " " + request.target(),
                        failure), config.http().maxBodySize(), new TrustedProxies(config.rateLimit().trustedProxies()));
    }

    /**
     * The certificate for https_port. When neither file exists, a self-signed one for server_name is made
     * first, so {@code use_https = true} works out of the box on a developer's machine.
     */
    private ReloadableSslContext loadTls(boolean offerH2) throws TlsException {
        NetworkConfig network = config.network();
        if (SelfSignedCertificate.bothMissing(network.sslCertPath(), network.sslKeyPath())) {
            SelfSignedCertificate.generate(network.sslCertPath(), network.sslKeyPath(), network.serverName());
            log.warn("no certificate at " + network.sslCertPath() + " and no key at " + network.sslKeyPath()
                    + ": generated a SELF-SIGNED certificate for " + network.serverName()
                    + ", localhost, 127.0.0.1 and ::1. Browsers will warn; use a real certificate in production.");
        }
        ReloadableSslContext context = ReloadableSslContext.load(network.sslCertPath(), network.sslKeyPath(),
                config.tls(), offerH2, log::warn);
        X509Certificate leaf = context.currentLeaf();
        if (leaf != null) {
            log.info("TLS certificate " + leaf.getSubjectX500Principal().getName() + ", valid until " + leaf.getNotAfter());
        }
        return context;
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
     * SIGHUP: reopens the access log (after logrotate moved it), reads the error pages again, forgets the
     * file cache (so a deploy is visible at once rather than within cache_revalidate_ms) and reloads the TLS
     * certificate and key. A bad new certificate is reported and the old one stays in use.
     */
    public void reload() {
        accessLog.reopen();
        staticFiles.clearCache();
        finisher.errorPages(ErrorPages.load(config.files().wwwPath()));
        if (tlsContext != null) {
            try {
                tlsContext.reload();
                X509Certificate leaf = tlsContext.currentLeaf();
                log.info("TLS certificate reloaded" + (leaf != null ? ", valid until " + leaf.getNotAfter() : ""));
            } catch (TlsException e) {
                log.error("TLS reload failed, keeping the current certificate: " + e.getMessage(), null);
            }
        }
    }

    // ---- the admin listener: health, readiness, metrics ----------------------------------------------------

    /** Connections the admin listener takes at once: scrapers and probes, not the public. */
    private static final int ADMIN_MAX_CONNECTIONS = 64;

    /**
     * The metrics every exchange, connection and TLS handshake is counted in, wired to the features' own
     * numbers; null when admin_port is 0 (nobody could read them, so nothing is counted).
     */
    private Metrics newMetrics() {
        if (!config.network().adminEnabled()) {
            return null;
        }
        Metrics made = new Metrics();
        StaticFileHandler files = staticFiles;
        made.fileCache(files::cacheHits, files::cacheMisses, files::cacheEvictions, files::cacheBytesNow,
                files::cacheEntries);
        RateLimitDecorator limiter = rateLimit;
        made.rateLimit(limiter != null ? limiter::refused : () -> 0);
        WebSocketService ws = websockets;
        if (ws != null) {
            made.webSockets(ws::openSessions, ws::messagesReceived, ws::messagesSent, ws::sseSubscribers, ws::channels);
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
        Exchanges admin = new Exchanges(table.build(), finisher, ExchangeListener.NONE,
                (request, failure) -> log.error("admin handler failed on " + request.method() + " "
                        + request.target(), failure), config.http().maxBodySize());
        ConnectionGate gate = new ConnectionGate(new ConnectionLimiter(ADMIN_MAX_CONNECTIONS, 0), adminConnections,
                log, config.http().sendTimeout().toNanos(), null);
        InetSocketAddress address = new InetSocketAddress(network.adminAddress(), network.adminPort());
        try {
            adminListener = bootstrap(acceptor != null ? acceptor : workers, workers,
                    new PlainHttpInitializer(gate, admin, config.http(), null, false))
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
        return websockets;
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
        for (Channel listener : listeners) {
            listener.close().syncUninterruptibly();
        }
        if (websockets != null) {
            // Close 1001 to every WebSocket (RFC 6455 §7.4.1), including those on HTTP/2 streams, which never
            // see the connection's drain event.
            websockets.shutdown();
        }
        for (Channel connection : openConnections) {
            connection.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
        }
        long deadline = System.nanoTime() + config.network().shutdownTimeout().toNanos();
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
        stopAdmin();
        for (EventLoopGroup group : new EventLoopGroup[] {acceptor, workers}) {
            if (group != null) {
                group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
            }
        }
        if (blockingPool != null) {
            blockingPool.shutdownNow();
        }
        if (staticFiles != null) {
            staticFiles.close(); // frees the cached bytes now rather than at the next GC
        }
        if (accessLog != null) {
            accessLog.close();
        }
        listeners.clear();
    }
}
