package io.carbon.server;

import io.carbon.config.FileCacheConfig;
import io.carbon.config.NetworkConfig;
import io.carbon.config.RateLimitConfig;
import io.carbon.config.ServerConfig;
import io.carbon.http.BodyPolicy;
import io.carbon.http.ClientBudget;
import io.carbon.http.ErrorPages;
import io.carbon.http.ExchangeListener;
import io.carbon.http.Exchanges;
import io.carbon.http.ResponseFinisher;
import io.carbon.http.Route;
import io.carbon.http.RouteTable;
import io.carbon.http.StandardHeaders;
import io.carbon.logging.AccessLog;
import io.carbon.logging.ServerLog;
import io.carbon.metrics.Metrics;
import io.carbon.ratelimit.RateLimitDecorator;
import io.carbon.ratelimit.RequestRateLimiter;
import io.carbon.ratelimit.TrustedProxies;
import io.carbon.staticfiles.StaticFileHandler;
import io.carbon.tls.CertificateFiles;
import io.carbon.tls.CertificateHashRoute;
import io.carbon.tls.ReloadableSslContext;
import io.carbon.tls.SelfSignedCertificate;
import io.carbon.tls.TlsException;
import io.carbon.tls.TlsLog;
import io.carbon.webtransport.WebTransportService;
import io.carbon.websocket.WebSocketService;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.internal.PlatformDependent;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Everything that answers requests, built from one {@link ServerConfig}: the route table and its features
 * (static files, WebSocket and channels, rate limits), the headers added to every response, the access log and
 * the TLS certificate. A reload builds the next site from the previous one ({@link #next}), keeping each part
 * whose keys did not change, so caches, rate-limit buckets, channels and open WebSockets carry on; the listeners
 * read the current site per connection (protocol limits) and per request (everything else).
 *
 * <p>What the sockets are (ports, addresses, threads, which protocols) is fixed at start: see
 * {@link CarbonServer#RESTART_KEYS}. Those values are read from the configuration the server started with.
 */
final class Site {

    /**
     * The long-lived things a site is built with; they outlive every reload.
     *
     * @param metrics told about every exchange after the access log; null when admin_port is 0
     * @param altSvc  the Alt-Svc value advertising HTTP/3 over TLS, or null while HTTP/3 is not listening
     * @param droppedDatagrams WebTransport channel datagrams a congested member missed
     */
    record Context(ServerLog log, ExecutorService blockingPool, ScheduledExecutorService timers,
                   ServerConfig started, IntSupplier httpsPort, Metrics metrics, Supplier<String> altSvc,
                   LongAdder droppedDatagrams) {
    }

    private final Context context;
    final ServerConfig config;
    final ResponseFinisher finisher;
    final StaticFileHandler staticFiles;
    /** Null when enable_websocket is off. */
    final WebSocketService websockets;
    /** Null when rate_limit_requests is 0. */
    final RateLimitDecorator rateLimit;
    final ClientBudget messages;
    final AccessLog accessLog;
    /** Null when use_https is off. */
    final ReloadableSslContext tls;
    /** What the TLS port answers, and the plain port when it does not redirect to HTTPS. */
    final Exchanges exchanges;
    /** What the plain port answers: {@link #exchanges}, or the redirect to HTTPS. */
    final Exchanges plainExchanges;

    private Site(Context context, ServerConfig config, ResponseFinisher finisher, StaticFileHandler staticFiles,
                 WebSocketService websockets, RateLimitDecorator rateLimit, ClientBudget messages,
                 AccessLog accessLog, ReloadableSslContext tls) {
        this.context = context;
        this.config = config;
        this.finisher = finisher;
        this.staticFiles = staticFiles;
        this.websockets = websockets;
        this.rateLimit = rateLimit;
        this.messages = messages;
        this.accessLog = accessLog;
        this.tls = tls;
        this.exchanges = exchanges(routes());
        this.plainExchanges = context.started().tls().redirectToHttps() ? exchanges(redirectRoutes()) : exchanges;
    }

    /**
     * The site the server starts with. Fails on a certificate that cannot be loaded; everything built so far
     * is released then.
     */
    static Site first(Context context, ServerConfig config) throws TlsException {
        ServerLog log = context.log();
        AccessLog accessLog = AccessLog.open(config.logging(), log);
        ReloadableSslContext tls;
        try {
            tls = config.network().useHttps() ? loadTls(config, config.network().enableHttp2(), log) : null;
        } catch (TlsException | RuntimeException e) {
            accessLog.close();
            throw e;
        }
        StaticFileHandler files = staticFiles(context, config);
        files.warnings().forEach(log::warn);
        RateLimitConfig limits = config.rateLimit();
        ClientBudget messages = messageBudget(limits);
        return new Site(context, config, finisher(config, context), files,
                config.enableWebsocket() ? new WebSocketService(config.websocket(), context.timers(), messages) : null,
                rateLimit(limits, log), messages, accessLog, tls);
    }

    /**
     * The site for a reloaded configuration: parts whose keys are unchanged are kept (the file cache is
     * emptied, the access log reopened, the certificate read again, the error pages re-read); the others are
     * built anew, and the parts they replace are handed to {@code retired} to be closed once the requests
     * still using them are done. A certificate that fails to load keeps the current one, and says so.
     */
    Site next(ServerConfig next, List<AutoCloseable> retired) {
        ReloadableSslContext certificate = reloadTls(next);
        if (certificate != tls) {
            retired.add(tls); // stops its OCSP fetches; handshakes under way keep their engines
        }
        ServerLog log = context.log();
        StaticFileHandler files = staticFiles;
        if (Objects.equals(config.files(), next.files()) && Objects.equals(config.cache(), next.cache())
                && Objects.equals(config.compression(), next.compression())) {
            files.clearCache();
        } else {
            files = staticFiles(context, next);
            files.warnings().forEach(log::warn);
            staticFiles.clearCache();
            retired.add(staticFiles::close);
        }
        RateLimitDecorator limit = rateLimit;
        ClientBudget budget = messages;
        if (!Objects.equals(config.rateLimit(), next.rateLimit())) {
            limit = rateLimit(next.rateLimit(), log);
            budget = messageBudget(next.rateLimit());
        }
        WebSocketService sockets = websockets;
        if (sockets != null && (!Objects.equals(config.websocket(), next.websocket()) || budget != messages)) {
            sockets = sockets.reconfigured(next.websocket(), budget);
        }
        AccessLog log2 = accessLog;
        if (sameAccessLog(config, next)) {
            accessLog.reopen();
        } else {
            log2 = AccessLog.open(next.logging(), log);
            retired.add(accessLog);
        }
        return new Site(context, next, finisher(next, context), files, sockets, limit, budget, log2, certificate);
    }

    private static boolean sameAccessLog(ServerConfig a, ServerConfig b) {
        return Objects.equals(a.logging().accessLog(), b.logging().accessLog())
                && a.logging().accessLogFormat() == b.logging().accessLogFormat()
                && a.logging().accessLogQueue() == b.logging().accessLogQueue();
    }

    /** The same files and settings: read again. Other files or settings: a new context, or the old one on error. */
    private ReloadableSslContext reloadTls(ServerConfig next) {
        if (tls == null) {
            return null;
        }
        ServerLog log = context.log();
        NetworkConfig was = config.network();
        NetworkConfig now = next.network();
        try {
            if (was.sslCertPath().equals(now.sslCertPath()) && was.sslKeyPath().equals(now.sslKeyPath())
                    && sameContextSettings(config, next)) {
                tls.reload();
                X509Certificate leaf = tls.currentLeaf();
                log.info("TLS certificate reloaded" + (leaf != null ? ", valid until " + leaf.getNotAfter() : ""));
                return tls;
            }
            return loadTls(next, context.started().network().enableHttp2(), log);
        } catch (TlsException | RuntimeException e) {
            log.error("TLS reload failed, keeping the current certificate: " + e.getMessage(), null);
            return tls;
        }
    }

    /** The TLS keys that shape the SSL context itself (the others only change headers or timers). */
    private static boolean sameContextSettings(ServerConfig a, ServerConfig b) {
        return a.tls().sessionCacheSize() == b.tls().sessionCacheSize()
                && a.tls().sessionTimeout().equals(b.tls().sessionTimeout())
                && a.tls().stapling() == b.tls().stapling();
    }

    /**
     * The certificate for https_port. When neither file exists, a self-signed one for server_name is made
     * first, so {@code use_https = true} works out of the box on a developer's machine.
     */
    private static ReloadableSslContext loadTls(ServerConfig config, boolean offerH2, ServerLog log)
            throws TlsException {
        NetworkConfig network = config.network();
        if (SelfSignedCertificate.bothMissing(network.sslCertPath(), network.sslKeyPath())) {
            SelfSignedCertificate.generate(network.sslCertPath(), network.sslKeyPath(), network.serverName(),
                    config.tls().selfSignedForWebTransport());
            log.warn("no certificate at " + network.sslCertPath() + " and no key at " + network.sslKeyPath()
                    + ": generated a SELF-SIGNED certificate for " + network.serverName()
                    + ", localhost, 127.0.0.1 and ::1. Browsers will warn; use a real certificate in production.");
        }
        // Files named by their setting and its origin, so errors point at the line to fix, now and on reload.
        ReloadableSslContext context = ReloadableSslContext.load(CertificateFiles.of(config), config.tls(), offerH2,
                TlsLog.of(log::info, log::warn, message -> log.error(message, null)));
        X509Certificate leaf = context.currentLeaf();
        if (leaf != null) {
            log.info("TLS certificate " + leaf.getSubjectX500Principal().getName() + ", valid until " + leaf.getNotAfter());
        }
        return context;
    }

    private static ResponseFinisher finisher(ServerConfig config, Context context) {
        return new ResponseFinisher(new StandardHeaders(config.http().securityHeaders(), config.tls().hstsHeader(),
                context.altSvc()), ErrorPages.load(config.files().wwwPath()));
    }

    private static StaticFileHandler staticFiles(Context context, ServerConfig config) {
        return new StaticFileHandler(config.files(), cacheWithinDirectMemory(config.cache(), context.log()),
                config.compression(), context.blockingPool(), context.log()::warn);
    }

    /**
     * The cache lives in direct memory, which the JVM caps (-XX:MaxDirectMemorySize, by default the heap
     * limit: small in a container). A budget above half the cap would end in allocation failures under load,
     * so it is lowered, and the log says so.
     */
    private static FileCacheConfig cacheWithinDirectMemory(FileCacheConfig cache, ServerLog log) {
        long cap = PlatformDependent.maxDirectMemory() / 2;
        if (cache.maxBytes() <= cap) {
            return cache;
        }
        log.warn("cache_max_bytes = " + cache.maxBytes() + " is more than half of the JVM's direct memory ("
                + PlatformDependent.maxDirectMemory() + " bytes); using " + cap
                + ". Raise -XX:MaxDirectMemorySize (or the heap, -Xmx) to cache more.");
        return new FileCacheConfig(cap, cache.maxFileSize(), cache.revalidate());
    }

    private static RateLimitDecorator rateLimit(RateLimitConfig limits, ServerLog log) {
        return limits.enabled() ? new RateLimitDecorator(new RequestRateLimiter(limits, System::nanoTime), log::warn)
                : null;
    }

    /** Each client's budget for WebSocket messages and channel publishes (rate_limit_messages). */
    private static ClientBudget messageBudget(RateLimitConfig limits) {
        return limits.messages() > 0 ? new RequestRateLimiter(limits.forMessages(), System::nanoTime)
                : ClientBudget.UNLIMITED;
    }

    /**
     * The route table every branch hands its exchanges to: the WebSocket paths (handshakes become tunnels;
     * SSE and publishing), then static files for every other path (GET and HEAD; OPTIONS and 405 answered by
     * the table). Decorators (rate limits) wrap it.
     */
    private RouteTable routes() {
        RouteTable.Builder routes = withDecorators(RouteTable.builder());
        if (websockets != null && context.started().http3().webTransport()) {
            // Before the WebSocket route: it takes the same paths, but only extended CONNECTs for WebTransport.
            routes.route(new WebTransportService(config.websocket(), websockets.hub(), context.droppedDatagrams())
                    .route());
        }
        if (websockets != null) {
            routes.route(websockets.route());
        }
        if (tls != null) {
            routes.route(CertificateHashRoute.route(tls)); // the served certificate's SHA-256, for WebTransport
        }
        return routes.route(Route.of("static files", path -> true, staticFiles, HttpMethod.GET, HttpMethod.HEAD))
                .build();
    }

    /** With redirect_to_https: every request on the plain port is sent to the same target on HTTPS. */
    private RouteTable redirectRoutes() {
        NetworkConfig network = context.started().network();
        return withDecorators(RouteTable.builder()).route(new Route("https redirect", path -> true,
                new HttpsRedirect(network.serverName(), context.httpsPort()), List.of(),
                request -> BodyPolicy.DISCARD)).build();
    }

    private RouteTable.Builder withDecorators(RouteTable.Builder table) {
        if (rateLimit != null) {
            table.decorator(rateLimit);
        }
        return table;
    }

    /**
     * The admin listener's answers: its own routes (no decorators), this site's finisher and limits, and no
     * listener (scrapes and probes are neither logged nor counted).
     */
    Exchanges adminExchanges(RouteTable routes) {
        ServerLog log = context.log();
        return new Exchanges(routes, finisher, ExchangeListener.NONE,
                (request, failure) -> log.error("admin handler failed on " + request.method() + " "
                        + request.target(), failure), config.http().maxBodySize());
    }

    private Exchanges exchanges(RouteTable routes) {
        ServerLog log = context.log();
        ExchangeListener listener = context.metrics() == null ? accessLog
                : ExchangeListener.all(List.of(accessLog, context.metrics()));
        return new Exchanges(routes, finisher, listener,
                (request, failure) -> log.error("handler failed on " + request.method() + " " + request.target(),
                        failure), config.http().maxBodySize(), new TrustedProxies(config.rateLimit().trustedProxies()));
    }

    /** What closing the server closes: the parts of the last site (retired ones are closed on their own). */
    List<AutoCloseable> parts() {
        List<AutoCloseable> parts = new ArrayList<>();
        parts.add(staticFiles::close); // frees the cached bytes now rather than at the next GC
        parts.add(accessLog);
        if (tls != null) {
            parts.add(tls); // stops OCSP stapling's fetches
        }
        return parts;
    }
}
