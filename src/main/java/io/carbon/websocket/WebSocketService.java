package io.carbon.websocket;

import io.carbon.channels.ChannelHub;
import io.carbon.config.WebSocketConfig;
import io.carbon.http.BodyPolicy;
import io.carbon.http.ClientBudget;
import io.carbon.http.HttpHandler;
import io.carbon.http.Request;
import io.carbon.http.Response;
import io.carbon.http.Route;
import io.carbon.http.Tunnel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Carbon's WebSocket feature, one per server (built by {@code CarbonServer} when {@code enable_websocket} is on):
 * the handshake for HTTP/1.1 Upgrade and HTTP/2 extended CONNECT, the handlers that turn a connection or a
 * stream into a WebSocket session, the echo and channel endpoints, the channel hub, and the HTTP handler for
 * the same paths (Server-Sent Events and publishing), all reached through one {@link #route()}. Transport-agnostic:
 * an accepted handshake answers with a tunnel, and the protocol branch that carries it hands over a pipeline of
 * raw bytes.
 *
 * <p>Bounds: {@code websocket_max_connections} sessions (503 at the handshake), channels, subscribers and
 * queues as configured. {@link #shutdown()} closes every session with 1001 and ends every SSE stream.
 * Thread-safe.
 */
public final class WebSocketService {

    private final WebSocketConfig config;
    private final ScheduledExecutorService timers;
    private final ClientBudget messages;
    private final WebSocketHandshake handshake;
    private final EndpointPaths paths;
    private final ChannelHttpHandler httpHandler;
    /** What every configuration of this service shares: a reload keeps the channels and the open sessions. */
    private final Shared shared;
    private final ChannelHub hub;
    private final Set<WebSocketSession> sessions;
    private final AtomicInteger open;
    private final WebSocketSession.Registry registry = new WebSocketSession.Registry() {
        @Override
        public int opened(WebSocketSession session) {
            if (open.incrementAndGet() > config.maxConnections()) {
                // Only a race between handshakes gets here: the handshake answers 503 when the bound is reached.
                open.decrementAndGet();
                return CloseCodes.TRY_AGAIN_LATER;
            }
            sessions.add(session);
            // Checked after joining the list: shutdown() either sees this session or we see its flag.
            if (shared.shutDown().get()) {
                sessions.remove(session);
                open.decrementAndGet();
                return CloseCodes.GOING_AWAY;
            }
            return 0;
        }

        @Override
        public void closed(WebSocketSession session) {
            if (sessions.remove(session)) {
                open.decrementAndGet();
            }
        }

        @Override
        public void received() {
            shared.received().increment();
        }

        @Override
        public void sent() {
            shared.sent().increment();
        }
    };

    private record Shared(ChannelHub hub, DeflaterPool deflaters, Set<WebSocketSession> sessions, AtomicInteger open,
                          AtomicBoolean shutDown, LongAdder received, LongAdder sent) {
    }

    /**
     * @param config the WebSocket keys
     * @param timers   schedules SSE heartbeats (the worker event loop group in production); never blocked
     * @param messages each client's budget for WebSocket messages and channel publishes
     */
    public WebSocketService(WebSocketConfig config, ScheduledExecutorService timers, ClientBudget messages) {
        this(config, timers, messages, new Shared(
                new ChannelHub(config.maxChannels(), config.maxSubscribers(), config.sseReplay(),
                        config.sseMaxPublishSize()),
                new DeflaterPool(2 * Runtime.getRuntime().availableProcessors()),
                ConcurrentHashMap.newKeySet(), new AtomicInteger(), new AtomicBoolean(), new LongAdder(),
                new LongAdder()));
    }

    private WebSocketService(WebSocketConfig config, ScheduledExecutorService timers, ClientBudget messages,
                             Shared shared) {
        this.config = config;
        this.timers = timers;
        this.messages = messages;
        this.shared = shared;
        this.hub = shared.hub();
        this.sessions = shared.sessions();
        this.open = shared.open();
        this.handshake = new WebSocketHandshake(config);
        this.paths = new EndpointPaths(config.echoPath(), config.channelsPath());
        this.httpHandler = new ChannelHttpHandler(config, handshake, hub, timers, messages);
    }

    /**
     * The service under new settings (a reload): the same channels, subscribers and open sessions, which keep
     * the settings they were opened with; new handshakes, publishes and SSE streams get the new ones. The
     * channel bounds apply to channels and subscribers that join from now on.
     */
    public WebSocketService reconfigured(WebSocketConfig next, ClientBudget nextMessages) {
        hub.limits(next.maxChannels(), next.maxSubscribers(), next.sseReplay(), next.sseMaxPublishSize());
        return new WebSocketService(next, timers, nextMessages, shared);
    }

    /**
     * The route of the WebSocket paths: handshakes become tunnels, other requests go to {@link #httpHandler()};
     * a POST publishing to a channel has its body buffered up to {@code sse_max_publish_size}.
     */
    public Route route() {
        return new Route("websocket", this::handles, new WebSocketRoute(this), List.of(),
                head -> wantsBody(head) ? BodyPolicy.buffer(maxBodySize()) : BodyPolicy.DISCARD);
    }

    /** True when {@code rawPath} (the request's still-encoded path) belongs to a WebSocket endpoint. */
    public boolean handles(String rawPath) {
        return paths.handles(rawPath);
    }

    /** True for a POST that publishes to a channel: its body is read and handed over whole. */
    boolean wantsBody(Request request) {
        return HttpMethod.POST.equals(request.method()) && paths.resolve(request.rawPath()) instanceof Endpoint.Channel;
    }

    /** {@code sse_max_publish_size}: the largest body {@link #wantsBody} requests may have. */
    int maxBodySize() {
        return config.sseMaxPublishSize();
    }

    /** The handler for requests to these paths that are not handshakes (SSE, publishing, 405/406/426). */
    public HttpHandler httpHandler() {
        return httpHandler;
    }

    /** RFC 6455 opening handshake on HTTP/1.1 (a request with {@code Upgrade: websocket}). */
    public HandshakeResult handshake(Request request) {
        return withCapacity(handshake.http1(request));
    }

    /** RFC 8441 extended CONNECT on HTTP/2; {@code protocol} is the {@code :protocol} pseudo-header. */
    public HandshakeResult handshakeExtendedConnect(Request request, CharSequence protocol) {
        return withCapacity(handshake.extendedConnect(request, protocol));
    }

    /** A valid handshake still gets 503 when the connection or channel bounds are reached. */
    private HandshakeResult withCapacity(HandshakeResult result) {
        if (!(result instanceof Accepted accepted)) {
            return result;
        }
        if (shared.shutDown().get()) {
            return rejected(ChannelHub.Refusal.SHUT_DOWN);
        }
        if (open.get() >= config.maxConnections()) {
            Response response = Response.text(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "too many WebSocket connections (websocket_max_connections)\n");
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "5");
            return new HandshakeResult.Rejected(response);
        }
        if (accepted.endpoint() instanceof Endpoint.Channel channel) {
            ChannelHub.Refusal refusal = hub.wouldRefuse(channel.name());
            if (refusal != null) {
                return rejected(refusal);
            }
        }
        return result;
    }

    private static HandshakeResult rejected(ChannelHub.Refusal refusal) {
        return new HandshakeResult.Rejected(ChannelHttpHandler.unavailable(refusal));
    }

    /**
     * Turns {@code pipeline} into a WebSocket session: the tunnel of an accepted handshake. The pipeline carries
     * raw bytes both ways (the protocol branch made it so: on HTTP/1.1 the connection after the 101, on HTTP/2
     * the stream's DATA frames after the 200). Called on the channel's event loop, before the next read.
     */
    void install(ChannelPipeline pipeline, Accepted accepted) {
        long idleNanos = config.idleTimeout().toNanos();
        DeflateParameters deflate = accepted.deflate();
        pipeline.addLast("ws-frame-decoder", new FrameDecoder(config.maxMessageSize(), deflate != null));
        pipeline.addLast("ws-frame-encoder", new WebSocket13FrameEncoder(false)); // §5.1: servers never mask
        if (deflate != null) {
            pipeline.addLast("ws-deflate", new MessageDeflater(shared.deflaters(), deflate.maxCompressedMessage()));
        }
        MessageHandler handler = accepted.endpoint() instanceof Endpoint.Channel channel
                ? new ChannelMember(hub, channel.name(), config.queueSize())
                : MessageHandler.ECHO;
        MessageInflater inflater = deflate != null
                ? new MessageInflater(config.maxMessageSize(), deflate.clientNoContextTakeover()) : null;
        pipeline.addLast("ws-session", new WebSocketSession(handler, registry, inflater, config.maxMessageSize(),
                idleNanos, messages));
    }

    /**
     * The tunnel an accepted handshake answers with: it installs the session ({@link #install}), and a clean
     * close waits up to {@code websocket_idle_timeout} for the client's end of the stream.
     */
    Tunnel tunnel(Accepted accepted) {
        return new Tunnel() {
            @Override
            public void open(ChannelPipeline pipeline) {
                install(pipeline, accepted);
            }

            @Override
            public Duration closeWait() {
                return config.idleTimeout();
            }
        };
    }

    /** WebSocket sessions open now. */
    public int openSessions() {
        return open.get();
    }

    /** Complete WebSocket messages received since start (across reloads). */
    public long messagesReceived() {
        return shared.received().sum();
    }

    /** WebSocket messages sent since start (echoes and channel deliveries). */
    public long messagesSent() {
        return shared.sent().sum();
    }

    /** Server-Sent Events streams subscribed to a channel now. */
    public int sseSubscribers() {
        return hub.sseSubscribers();
    }

    /** The channels of this service, which WebTransport members join too (the same hub across reloads). */
    public ChannelHub hub() {
        return hub;
    }

    /** Channels with at least one subscriber. */
    public int channels() {
        return hub.channels();
    }

    /** Subscribers of one channel right now (0 when it does not exist). */
    public int subscribers(String channel) {
        return hub.subscribers(channel);
    }

    /** Channel subscribers (WebSocket and SSE) dropped so far for falling behind. */
    public long droppedSubscribers() {
        return hub.droppedSubscribers();
    }

    /**
     * Graceful shutdown: new handshakes get 503, every session gets Close 1001 (and is closed when the client
     * answers, or after {@code websocket_idle_timeout}), every SSE stream ends after what is queued.
     */
    public void shutdown() {
        shared.shutDown().set(true);
        hub.shutdown();
        for (WebSocketSession session : sessions) {
            session.goAway(CloseCodes.GOING_AWAY, "server shutting down");
        }
        shared.deflaters().close();
    }
}
