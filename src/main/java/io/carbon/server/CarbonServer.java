package io.carbon.server;

import io.carbon.config.NetworkConfig;
import io.carbon.config.ServerConfig;
import io.carbon.http.DrainEvent;
import io.carbon.http.ErrorPages;
import io.carbon.http.Exchanges;
import io.carbon.http.ResponseFinisher;
import io.carbon.http.StandardHeaders;
import io.carbon.logging.AccessLog;
import io.carbon.logging.ServerLog;
import io.carbon.ratelimit.ConnectionLimiter;
import io.carbon.staticfiles.StaticFileHandler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.io.IOException;
import java.net.InetSocketAddress;
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
    private AccessLog accessLog;
    private ResponseFinisher finisher;

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
        acceptor = transport.newGroup(1, "carbon-accept");
        workers = transport.newGroup(threads, "carbon-worker");
        blockingPool = new ThreadPoolExecutor(blockingThreads(), blockingThreads(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(BLOCKING_QUEUE), new DefaultThreadFactory("carbon-blocking", true));
        blockingPool.allowCoreThreadTimeOut(true);
        accessLog = AccessLog.open(config.logging(), log);
        finisher = new ResponseFinisher(new StandardHeaders(config.http().securityHeaders(), config.tls().hstsHeader()),
                ErrorPages.load(config.files().wwwPath()));
        Router router = new Router(new StaticFileHandler(config.files(), blockingPool));
        Exchanges exchanges = new Exchanges(router, finisher, accessLog,
                (request, failure) -> log.error("handler failed on " + request.method() + " " + request.target(), failure));
        ConnectionGate gate = new ConnectionGate(
                new ConnectionLimiter(network.maxConnections(), network.maxConnectionsPerIp()), openConnections, log);

        try {
            Channel plain = bind(network.port(), new PlainHttpInitializer(gate, exchanges, config.http()));
            log.info("listening on http://" + hostPort((InetSocketAddress) plain.localAddress()) + " (HTTP/1.1)");
        } catch (IOException | RuntimeException e) {
            shutdownNow();
            throw e;
        }
        log.info("transport " + transport.label() + ", " + threads + " worker thread(s), max_connections "
                + network.maxConnections() + ", serving " + config.files().wwwPath());
    }

    private static int blockingThreads() {
        return Math.max(4, Runtime.getRuntime().availableProcessors() * 2);
    }

    private Channel bind(int port, io.netty.channel.ChannelHandler initializer) throws IOException {
        String host = config.network().serverName();
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IOException("cannot listen on " + host + ":" + port + ": server_name does not resolve");
        }
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptor, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(initializer);
        try {
            Channel channel = bootstrap.bind(address).syncUninterruptibly().channel();
            listeners.add(channel);
            return channel;
        } catch (Exception e) {
            throw new IOException("cannot listen on " + hostPort(address) + ": " + e.getMessage(), e);
        }
    }

    private static String hostPort(InetSocketAddress address) {
        String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** The port the plain HTTP listener is bound to (useful with {@code port = 0}). */
    public int port() {
        return ((InetSocketAddress) listeners.get(0).localAddress()).getPort();
    }

    public String transport() {
        return transport.label();
    }

    /** Reopens the access log (after logrotate moved it) and reads the error pages again. */
    public void reopenLogs() {
        accessLog.reopen();
        finisher.errorPages(ErrorPages.load(config.files().wwwPath()));
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
        for (Channel listener : listeners) {
            listener.close().syncUninterruptibly();
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
        for (EventLoopGroup group : new EventLoopGroup[] {acceptor, workers}) {
            if (group != null) {
                group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
            }
        }
        if (blockingPool != null) {
            blockingPool.shutdownNow();
        }
        if (accessLog != null) {
            accessLog.close();
        }
        listeners.clear();
    }
}
