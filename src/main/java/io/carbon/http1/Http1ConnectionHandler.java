package io.carbon.http1;

import io.carbon.config.HttpConfig;
import io.carbon.http.Body;
import io.carbon.http.BodyPump;
import io.carbon.http.DrainEvent;
import io.carbon.http.ClientConnection;
import io.carbon.http.ConnectionActivity;
import io.carbon.http.Exchange;
import io.carbon.http.ExchangeOutcome;
import io.carbon.http.Exchanges;
import io.carbon.http.HttpProtocol;
import io.carbon.http.LingeringClose;
import io.carbon.http.Request;
import io.carbon.http.Response;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One HTTP/1.x connection after the codec: turns request heads into {@link Request}s, answers them strictly
 * in order (pipelining, RFC 9112 §9.3.2), reads and discards request bodies within {@code max_body_size},
 * and owns the connection's timers: {@code header_timeout} from the first byte of a request head (and between
 * reads of a body), {@code keep_alive_timeout} while idle between requests. Per-connection state: never shared.
 */
public final class Http1ConnectionHandler extends ChannelInboundHandlerAdapter {

    private enum Timer { NONE, HEADER, KEEP_ALIVE }

    /** A request waiting to be answered; {@code preset} is an error decided before routing. */
    private record Pending(Exchange exchange, Response preset, ExchangeOutcome.Cut cut) { }

    private static final byte[] CONNECTION_CLOSE = "connection: close\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION_KEEP_ALIVE =
            "connection: keep-alive\r\n".getBytes(StandardCharsets.US_ASCII);

    /** The name of Netty's h2c Upgrade handler while it is in the pipeline. */
    private static final String H2C_UPGRADE = "h2c-upgrade";
    /** Logged for a request whose head never arrived completely. */
    private static final HttpMethod UNKNOWN_METHOD = new HttpMethod("-");

    /** Read per request: a reload swaps what answers without touching open connections. */
    private final Supplier<Exchanges> exchanges;
    private final HttpConfig config;
    private final boolean secure;

    private ChannelHandlerContext ctx;
    /** The codec's context: writes from it go out below the response encoder (prepared heads). */
    private ChannelHandlerContext wire;
    /** Told when an exchange starts and when the connection is idle again; null outside a server (tests). */
    private ConnectionActivity activity;

    /** The exchange whose head arrived and whose body is still being read. */
    private Exchange receiving;
    /** Complete requests waiting for their turn, in arrival order. */
    private final ArrayDeque<Pending> ready = new ArrayDeque<>();
    private boolean responding;
    /** Input after a framing error, or after a request that ends the connection, is ignored. */
    private boolean inputClosed;
    private boolean draining;
    /** A request was refused with bytes of it maybe still unread: close gently (see {@link #lingeringClose}). */
    private boolean linger;
    /** Makes Netty's h2c Upgrade handler, or null where h2c is off (TLS, or HTTP/2 disabled). */
    private Supplier<? extends ChannelHandler> h2cUpgrade;
    private boolean firstHeadSeen;
    private boolean h2cUpgradeInstalled;

    /** Responses sent, and when the connection began: max_requests_per_connection, max_connection_age. */
    private int served;
    private long bornNanos;

    /** The pump of the response being written, when its body is produced over time. */
    private BodyPump pump;

    private Timer timer = Timer.NONE;
    private long deadlineNanos;
    private ScheduledFuture<?> timeoutTask;
    /** When {@link #timeoutTask} runs; a deadline earlier than this needs a new task. */
    private long taskDueNanos;

    public Http1ConnectionHandler(Supplier<Exchanges> exchanges, HttpConfig config, boolean secure) {
        this.exchanges = exchanges;
        this.config = config;
        this.secure = secure;
    }

    /**
     * Lets the first request of the connection upgrade to h2c ({@code Upgrade: h2c}, RFC 7540 §3.2).
     *
     * @param upgradeHandler makes Netty's upgrade handler for this connection's codec
     */
    public Http1ConnectionHandler upgradesToH2c(Supplier<? extends ChannelHandler> upgradeHandler) {
        this.h2cUpgrade = upgradeHandler;
        return this;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.wire = ctx.pipeline().context(Http1Codec.class);
        this.activity = ConnectionActivity.of(ctx.channel());
        this.bornNanos = System.nanoTime();
        // A new connection must send its first request head within header_timeout.
        arm(Timer.HEADER, config.headerTimeout().toNanos());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest head && handToH2cUpgrade(head, msg)) {
            return;
        }
        try {
            if (msg instanceof HttpRequest head && !inputClosed) {
                onHead(head);
            }
            if (msg instanceof HttpContent content && receiving != null) {
                onBody(content);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onHead(HttpRequest head) {
        disarm();
        if (activity != null) {
            activity.busy();
        }
        RequestHeadParser.Result parsed = RequestHeadParser.parse(head, connection());
        if (parsed.failed()) {
            rejectAndClose(parsed.error(), exchanges.get().begin(Request.of(head.method(), head.uri(), head.headers(),
                    HttpProtocol.HTTP_1_1, connection(), null)), ExchangeOutcome.Cut.NONE);
            return;
        }
        Request request = parsed.request();
        Exchange exchange = exchanges.get().begin(request);
        HttpResponseStatus refusal = exchange.refusal();
        if (refusal != null) {
            rejectAndClose(refusal, exchange, ExchangeOutcome.Cut.NONE);
            return;
        }
        // Only when it cannot interleave with a pipelined response still being written.
        if (exchange.expectsContinue() && request.protocol() == HttpProtocol.HTTP_1_1 && !responding
                && ready.isEmpty()) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
        receiving = exchange;
        if (!endsConnection(request)) {
            return;
        }
        // Nothing after a request that closes the connection will be answered.
        inputClosed = true;
    }

    /**
     * The h2c Upgrade handler joins the pipeline only for a first request that asks for h2c, so no other
     * connection pays for building it or for its look at every message. Clients upgrade on their first
     * request (curl, Java's HttpClient), and RFC 9113 §3.1 deprecated the mechanism. The handler answers 101
     * and switches the connection to HTTP/2, or, when the upgrade does not apply (no HTTP2-Settings, say),
     * passes the request back here whole, to be answered over HTTP/1.1, and leaves again.
     *
     * @return true when {@code msg} went to the upgrade handler
     */
    private boolean handToH2cUpgrade(HttpRequest head, Object msg) {
        if (h2cUpgradeInstalled) {
            h2cUpgradeInstalled = false;
            ctx.pipeline().remove(H2C_UPGRADE); // the first request came back: no upgrade, and none later
            return false;
        }
        if (firstHeadSeen) {
            return false;
        }
        firstHeadSeen = true;
        if (h2cUpgrade == null || inputClosed || !asksForH2c(head)) {
            return false;
        }
        ctx.pipeline().addBefore(ctx.name(), H2C_UPGRADE, h2cUpgrade.get());
        h2cUpgradeInstalled = true;
        wire.fireChannelRead(msg); // the codec's next handler is now the upgrade handler
        return true;
    }

    private static boolean asksForH2c(HttpRequest head) {
        for (String value : head.headers().getAll(HttpHeaderNames.UPGRADE)) {
            for (String token : value.split(",")) {
                if (token.trim().equalsIgnoreCase("h2c")) {
                    return true;
                }
            }
        }
        return false;
    }

    private void onBody(HttpContent content) {
        if (content.decoderResult().isFailure()) {
            // RFC 9112 §7.1: a chunk size that overflows, a bare-LF chunk line, garbage where a chunk ends. The
            // body is not what the client meant, so nothing is acted on (no publish), and the framing of
            // whatever follows cannot be trusted: 400, then close.
            Exchange exchange = receiving;
            receiving = null;
            rejectAndClose(HttpResponseStatus.BAD_REQUEST, exchange, ExchangeOutcome.Cut.NONE);
            return;
        }
        if (!receiving.onBody(content.content())) {
            Exchange exchange = receiving;
            receiving = null;
            rejectAndClose(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, exchange, ExchangeOutcome.Cut.NONE);
            return;
        }
        if (content instanceof LastHttpContent) {
            ready.add(new Pending(receiving, null, ExchangeOutcome.Cut.NONE));
            receiving = null;
            disarm();
            if (ready.size() >= config.maxPipelinedRequests()) {
                // Bound the read-ahead: stop reading until the queue drains.
                ctx.channel().config().setAutoRead(false);
            }
            if (!responding) {
                respondToNext();
            }
        } else {
            // A body still trickling in: it too must keep moving (like nginx's client_body_timeout).
            arm(Timer.HEADER, config.headerTimeout().toNanos());
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (timer != Timer.HEADER && !inputClosed && receiving == null && !responding && ready.isEmpty()
                && headStarted()) {
            // The first bytes of a head arrived: the whole head must follow within header_timeout, however
            // long the connection was idle before (a slowloris client gets no keep-alive time on top).
            arm(Timer.HEADER, config.headerTimeout().toNanos());
        }
        ctx.fireChannelReadComplete();
    }

    /** True while part of a request head has arrived and the rest has not. */
    private boolean headStarted() {
        return wire != null && wire.handler() instanceof Http1Codec codec && codec.headStarted();
    }

    private void respondToNext() {
        Pending next = ready.poll();
        if (next == null) {
            return;
        }
        responding = true;
        if (!ctx.channel().config().isAutoRead() && !inputClosed && ready.size() < config.maxPipelinedRequests()) {
            ctx.channel().config().setAutoRead(true);
        }
        Exchange exchange = next.exchange();
        if (next.preset() != null) {
            send(exchange, next.preset(), next.cut());
            return;
        }
        exchange.answer(ctx.executor(), response -> send(exchange, response, ExchangeOutcome.Cut.NONE));
    }

    private void send(Exchange exchange, Response response, ExchangeOutcome.Cut cut) {
        Request request = exchange.request();
        if (!ctx.channel().isActive()) {
            response.body().release();
            exchange.completed(response, response.status().code(), 0, ExchangeOutcome.Cut.CLIENT_GONE);
            return;
        }
        if (response.tunnel() != null && request.protocol() == HttpProtocol.HTTP_1_1
                && response.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
            openTunnel(exchange, response);
            return;
        }
        boolean close = lastOfConnection() || response.closeConnection() || endsConnection(request) || draining;
        if (close) {
            inputClosed = true; // nothing read after this is answered
        }
        boolean http10 = request.protocol() == HttpProtocol.HTTP_1_0;
        Sent sent;
        if (wire != null && exchanges.get().finisher().preparedAsIs(response)
                && ResponseWriter.preparable(response.body(), !secure)) {
            // A cached file's 200: its head is copied as rendered, with this second's standard lines.
            byte[] connection = close ? CONNECTION_CLOSE : http10 ? CONNECTION_KEEP_ALIVE : null;
            byte[][] lines = {response.prepared().http1Lines(), exchanges.get().finisher().standardHttp1Lines(secure),
                connection};
            sent = new Sent(ResponseWriter.writePrepared(ctx, wire, lines, response.body(), !request.isHead(), close),
                    200, close);
        } else {
            sent = finishAndWrite(exchange, response, close, http10);
        }
        ResponseWriter.Written written = sent.written();
        int code = sent.code();
        boolean closeAfter = sent.close();
        pump = written.pump();
        written.done().addListener(f -> {
            pump = null;
            exchange.completed(response, code, written.bodyBytes().getAsLong(), !f.isSuccess()
                    ? (ctx.channel().isActive() ? ExchangeOutcome.Cut.WRITE_FAILED : ExchangeOutcome.Cut.CLIENT_GONE)
                    : cut);
            responding = false;
            if (!f.isSuccess()) {
                ctx.close();
                return;
            }
            if (closeAfter) {
                if (linger) {
                    lingeringClose();
                } else {
                    ctx.close();
                }
                return;
            }
            if (draining && ready.isEmpty() && receiving == null) {
                ctx.close();
            } else if (!ready.isEmpty()) {
                respondToNext();
            } else if (receiving == null && headStarted()) {
                // A pipelined head arrived in part while this response was written.
                idle();
                arm(Timer.HEADER, config.headerTimeout().toNanos());
            } else if (receiving == null) {
                idle();
                arm(Timer.KEEP_ALIVE, config.keepAliveTimeout().toNanos());
            }
        });
    }

    /** A response on its way, with the status it was sent with and whether the connection ends after it. */
    private record Sent(ResponseWriter.Written written, int code, boolean close) { }

    /** The general path: error pages and standard headers as a header map, framed by Netty's encoder. */
    private Sent finishAndWrite(Exchange exchange, Response response, boolean close, boolean http10) {
        Response finished = exchanges.get().finisher().finish(response, secure);
        close |= finished.closeConnection();
        HttpHeaders headers = finished.headers();
        if (close) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        int code = finished.status().code();
        boolean withBody = exchange.sendsBody(code);
        if (!headers.contains(HttpHeaderNames.CONTENT_LENGTH) && code >= 200 && code != 204 && code != 304) {
            // A body of unknown length (a stream): chunked on HTTP/1.1 (RFC 9112 §7.1); HTTP/1.0 has no
            // chunked coding, so the end of the body is the end of the connection (RFC 9112 §6.3).
            if (http10) {
                close = true;
                headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            } else if (withBody) {
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        }
        return new Sent(ResponseWriter.write(ctx, finished.status(), headers, finished.body(), withBody, !secure,
                close), code, close);
    }

    /**
     * RFC 9110 §7.8, RFC 9112 §9.9: answers 101 and hands the connection's bytes to the route's tunnel (a
     * WebSocket session, RFC 6455 §4.2.2). The HTTP codec is removed last, so bytes the client sent right after
     * the head flow on into the tunnel's first handler.
     */
    private void openTunnel(Exchange exchange, Response response) {
        inputClosed = true;
        disarm();
        response.body().release(); // a 101 has no body (RFC 9110 §15.2.2)
        Response finished = exchanges.get().finisher().finish(new Response(response.status(), response.headers(),
                Body.EMPTY), secure);
        finished.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        ChannelPipeline pipeline = ctx.pipeline();
        // The tunnel opens before the 101 leaves: a client may act the moment it reads the 101 (a WebSocket
        // channel member is subscribed by then, so a message published right after reaches it). Its handlers go
        // behind this one, so the 101, written from here, passes only the HTTP codec on its way out.
        response.tunnel().open(pipeline);
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, finished.status(),
                Unpooled.EMPTY_BUFFER, finished.headers(), EmptyHttpHeaders.INSTANCE));
        exchange.completed(response, finished.status().code(), 0, ExchangeOutcome.Cut.TUNNEL);
        if (activity != null) {
            activity.pin();
        }
        pipeline.remove(this);
        for (String name : new String[] {H2C_UPGRADE, "h2c-prior-knowledge"}) {
            if (pipeline.get(name) != null) {
                pipeline.remove(name);
            }
        }
        pipeline.remove(Http1Codec.class);
    }

    /**
     * Counts the response; true when it is the connection's last: {@code max_requests_per_connection}
     * reached, or {@code max_connection_age} passed (the client learns it from {@code Connection: close}).
     */
    private boolean lastOfConnection() {
        served++;
        int maxRequests = config.maxRequestsPerConnection();
        // Like nginx's keepalive_time, the age is checked when a response goes out, never by closing an idle
        // connection (that would race with the client's next request; keep_alive_timeout closes idle ones).
        long maxAge = config.maxConnectionAge().toNanos();
        return maxRequests > 0 && served >= maxRequests || maxAge > 0 && System.nanoTime() - bornNanos >= maxAge;
    }

    /** HTTP/1.1 keeps the connection unless told to close; HTTP/1.0 closes unless told to keep it. */
    private static boolean endsConnection(Request request) {
        HttpHeaders headers = request.headers();
        if (request.protocol() == HttpProtocol.HTTP_1_0) {
            return !headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE, true);
        }
        return headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
    }

    /**
     * Answers a request that cannot be served with an error and closes the connection after it: the framing
     * can no longer be trusted. Requests received completely before it are answered first, in order.
     */
    private void rejectAndClose(HttpResponseStatus status, Exchange exchange, ExchangeOutcome.Cut cut) {
        inputClosed = true;
        linger = true;
        receiving = null;
        disarm();
        ctx.channel().config().setAutoRead(false);
        ready.add(new Pending(exchange, Response.of(status).closeConnection(true), cut));
        if (!responding) {
            respondToNext();
        }
    }

    /**
     * RFC 9112 §9.6: closing a socket that still has unread request bytes (the rest of a body too large, a
     * pipelined request after a framing error) makes the kernel send RST, which can destroy the response
     * before the client has read it; {@link LingeringClose} half-closes and discards instead.
     */
    private void lingeringClose() {
        LingeringClose.install(ctx.channel());
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // Replaced by HTTP/2 (h2c prior knowledge or Upgrade): the connection's timers are no longer ours.
        disarm();
        if (timeoutTask != null) {
            timeoutTask.cancel(false);
            timeoutTask = null;
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof HttpServerUpgradeHandler.UpgradeEvent) {
            // Upgrade: h2c succeeded; the upgraded request is answered as HTTP/2 stream 1.
            ctx.pipeline().remove(this);
            ctx.fireUserEventTriggered(evt);
            return;
        }
        if (evt == DrainEvent.INSTANCE) {
            draining = true;
            inputClosed = true;
            if (!responding && ready.isEmpty() && receiving == null) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (pump != null && ctx.channel().isWritable()) {
            pump.pump();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (pump != null) {
            pump.abort(BodyPump.peerGone());
        }
        disarm();
        // Heads that arrived and were never answered: the client closed the request (nginx's 499).
        if (receiving != null) {
            receiving.completed(ExchangeOutcome.CLIENT_CLOSED_REQUEST, ExchangeOutcome.Cut.CLIENT_GONE);
        }
        for (Pending pending : ready) {
            if (pending.preset() != null) {
                pending.preset().body().release();
            }
            pending.exchange().completed(ExchangeOutcome.CLIENT_CLOSED_REQUEST, ExchangeOutcome.Cut.CLIENT_GONE);
        }
        ready.clear();
        receiving = null;
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Connection resets and the like: nothing to answer, nothing to keep.
        ctx.close();
    }

    /**
     * The client's connection, read when needed: a PROXY protocol header, read after this handler joined the
     * pipeline, may still change who the client is.
     */
    private ClientConnection connection() {
        return ClientConnection.of(ctx.channel());
    }

    /** Between exchanges: the gate may close this connection to make room (no complete head is waiting). */
    private void idle() {
        if (activity != null) {
            activity.idle();
        }
    }

    // ---- timers: one scheduled task per connection, moved lazily (like Netty's IdleStateHandler) ----

    private void arm(Timer kind, long timeoutNanos) {
        timer = kind;
        deadlineNanos = System.nanoTime() + timeoutNanos;
        if (timeoutTask != null && deadlineNanos - taskDueNanos < 0) {
            // A shorter deadline than the one the task waits for (a head starting on a keep-alive connection).
            timeoutTask.cancel(false);
            timeoutTask = null;
        }
        if (timeoutTask == null) {
            schedule(timeoutNanos);
        }
    }

    private void schedule(long delayNanos) {
        taskDueNanos = System.nanoTime() + delayNanos;
        timeoutTask = ctx.executor().schedule(this::onTimer, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void disarm() {
        timer = Timer.NONE;
    }

    private void onTimer() {
        timeoutTask = null;
        if (timer == Timer.NONE || !ctx.channel().isActive()) {
            return;
        }
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining > 0) {
            schedule(remaining);
            return;
        }
        if (timer == Timer.HEADER && (headStarted() || receiving != null)) {
            // RFC 9110 §15.5.9: tell the client why, then close.
            rejectAndClose(HttpResponseStatus.REQUEST_TIMEOUT, receiving != null ? receiving
                    : exchanges.get().begin(Request.of(UNKNOWN_METHOD, "-", new DefaultHttpHeaders(), HttpProtocol.HTTP_1_1,
                    connection(), null)), ExchangeOutcome.Cut.TIMEOUT);
        } else {
            ctx.close();
        }
    }
}
