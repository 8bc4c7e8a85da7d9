package io.carbon.websocket;

import io.carbon.http.ClientBudget;
import io.carbon.http.ClientConnection;
import io.carbon.http.DrainEvent;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One open WebSocket, after the frame decoder (and the inflater, when compression was agreed): reassembles
 * messages from their pieces within {@code websocket_max_message_size} (1009), validates text as UTF-8 while it
 * arrives (1007, RFC 6455 §8.1), answers pings (§5.5.2), runs the closing handshake (§5.5.1, §7), pings a silent
 * client and closes it when it stays silent (1001), and hands complete messages to its {@link MessageHandler}.
 * It is the only handler that writes Close frames, and it fails the connection (§7.1.7) with the code carried
 * by any {@link CorruptedWebSocketFrameException} from below.
 *
 * <p>Back-pressure: while the connection cannot take more writes (the peer does not read, or its HTTP/2 window
 * is closed), the session stops reading, so an echo client that never reads cannot make the server buffer
 * without bound. Per-connection state: never shared; everything runs on the channel's event loop except
 * {@link #goAway}.
 */
final class WebSocketSession extends ChannelDuplexHandler {

    /** Told when sessions open and end: the connection bound and the shutdown list live there. */
    interface Registry {
        /**
         * @return 0 when the session may open, otherwise the code it closes with at once (1013 when the
         *         connection bound is reached, 1001 when the server is shutting down)
         */
        int opened(WebSocketSession session);

        void closed(WebSocketSession session);

        /** A complete message arrived (counted for metrics). */
        default void received() {
        }

        /** A message was queued to the client (counted for metrics). */
        default void sent() {
        }
    }

    private final MessageHandler handler;
    /** The client's message budget ({@code rate_limit_messages}), spent once per complete message. */
    private final ClientBudget budget;
    private InetAddress client;
    private final Registry registry;
    /** Null when permessage-deflate was not agreed. */
    private final MessageInflater inflater;
    private final int maxMessageBytes;
    private final long idleNanos;

    private ChannelHandlerContext ctx;
    // The message being received.
    private ByteBuf message;
    private boolean messageText;
    private long messageBytes;
    private final Utf8Validator utf8 = new Utf8Validator();
    // Lifecycle.
    private boolean registered;
    private boolean closeSent;
    private boolean finished;
    private boolean needsFlush;
    // Idle detection and the closing handshake's deadline.
    private long lastReadNanos;
    private boolean pingOutstanding;
    private long closeDeadlineNanos;
    private ScheduledFuture<?> timer;

    WebSocketSession(MessageHandler handler, Registry registry, MessageInflater inflater, int maxMessageBytes,
                     long idleNanos, ClientBudget budget) {
        this.budget = budget;
        this.handler = handler;
        this.registry = registry;
        this.inflater = inflater;
        this.maxMessageBytes = maxMessageBytes;
        this.idleNanos = idleNanos;
    }

    // ---- what handlers use ----

    /** Queues one message (flushed at the end of the current read, or by {@link #flush()}); owns {@code payload}. */
    void send(boolean text, ByteBuf payload) {
        if (closeSent || finished) {
            payload.release(); // §5.5.1: no data after our Close
            return;
        }
        ctx.write(text ? new TextWebSocketFrame(payload) : new BinaryWebSocketFrame(payload), ctx.voidPromise());
        needsFlush = true;
        registry.sent();
    }

    void flush() {
        if (needsFlush) {
            needsFlush = false;
            ctx.flush();
        }
    }

    /** True while the connection can take more writes without growing its outbound buffer past the mark. */
    boolean writable() {
        return ctx.channel().isWritable() && !closeSent && !finished;
    }

    EventExecutor executor() {
        return ctx.executor();
    }

    /** Starts the closing handshake with {@code code} from any thread (shutdown, a slow subscriber). */
    void goAway(int code, String reason) {
        if (ctx == null) {
            return;
        }
        if (ctx.executor().inEventLoop()) {
            closeGracefully(code, reason);
            return;
        }
        try {
            ctx.executor().execute(() -> closeGracefully(code, reason));
        } catch (RejectedExecutionException e) {
            // The event loop is shutting down: the connection goes with it.
        }
    }

    // ---- pipeline events ----

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        InetSocketAddress remote = ClientConnection.of(ctx.channel()).remoteAddress();
        client = remote != null ? remote.getAddress() : null;
        this.ctx = ctx;
        lastReadNanos = System.nanoTime();
        // Registered and joined now, before the branch sends the 101 (or 2xx): a client acts the moment it reads
        // it, and a channel message published right after must reach this member. Anything written waits for the
        // next task on this event loop: the caller may still be taking the HTTP handlers out of the pipeline (a
        // Close written now would reach the HTTP encoder and be lost); queued channel messages are drained in a
        // later task already.
        if (!ctx.channel().isActive()) {
            ctx.executor().execute(this::finish);
            return;
        }
        int refusal = registry.opened(this);
        if (refusal != 0) {
            ctx.executor().execute(() -> {
                if (!finished && !closeSent) {
                    closeGracefully(refusal, refusal == CloseCodes.GOING_AWAY
                            ? "server shutting down" : "too many WebSocket connections");
                }
            });
            return;
        }
        registered = true;
        handler.onOpen(this);
        ctx.executor().execute(this::start);
    }

    /** The first task after the install: the idle timer starts (a closed session has nothing to start). */
    private void start() {
        if (finished || closeSent) {
            return;
        }
        arm(idleNanos);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastReadNanos = System.nanoTime();
        pingOutstanding = false; // any frame proves the peer is alive
        if (msg instanceof DataPart part) {
            onData(part);
        } else if (msg instanceof PingWebSocketFrame ping) {
            if (closeSent || finished) {
                ping.release();
            } else {
                // §5.5.2/§5.5.3: a Pong carries the Ping's application data.
                ctx.write(new PongWebSocketFrame(ping.content()), ctx.voidPromise());
                needsFlush = true;
            }
        } else if (msg instanceof CloseWebSocketFrame close) {
            onClose(close);
        } else {
            ReferenceCountUtil.release(msg); // Pong (unsolicited or ours): only its arrival mattered
        }
    }

    private void onData(DataPart part) {
        try {
            if (closeSent || finished) {
                return; // after our Close, data is discarded while we wait for the peer's Close
            }
            if (part.first()) {
                messageText = part.text();
                messageBytes = 0;
                utf8.reset();
            }
            ByteBuf data = part.compressed()
                    ? inflater.inflate(ctx.alloc(), part.content(), part.last(), messageBytes)
                    : part.content().retain();
            messageBytes += data.readableBytes();
            if (messageBytes > maxMessageBytes) {
                data.release();
                fail(CloseCodes.MESSAGE_TOO_BIG, "message larger than " + maxMessageBytes + " bytes");
                return;
            }
            if (messageText && (!utf8.feed(data) || (part.last() && !utf8.complete()))) {
                data.release();
                fail(CloseCodes.INVALID_PAYLOAD, "text message is not valid UTF-8");
                return;
            }
            append(data, part.first() && part.last());
            if (part.last()) {
                ByteBuf complete = message;
                message = null;
                if (client != null && !budget.tryTake(client)) {
                    complete.release();
                    // RFC 6455 §7.4.1: 1008 for a message that violates the server's policy (its rate).
                    fail(CloseCodes.POLICY_VIOLATION, "message rate limit (rate_limit_messages)");
                    return;
                }
                registry.received();
                handler.onMessage(this, messageText, complete);
            }
        } catch (CorruptedWebSocketFrameException e) {
            fail(e.closeStatus().code(), e.getMessage());
        } finally {
            part.release();
        }
    }

    private void append(ByteBuf data, boolean whole) {
        if (whole) {
            message = data; // the usual case: a message in one piece is passed on without a copy
            return;
        }
        if (message == null) {
            message = ctx.alloc().buffer(Math.max(256, data.readableBytes()), maxMessageBytes);
        }
        message.writeBytes(data);
        data.release();
    }

    private void onClose(CloseWebSocketFrame close) {
        int code;
        String invalid = null;
        try {
            ByteBuf payload = close.content();
            if (payload.readableBytes() < 2) {
                // §7.1.5: no status code received (1005); we answer with a normal closure.
                code = CloseCodes.NORMAL;
            } else {
                code = payload.getUnsignedShort(payload.readerIndex());
                if (!CloseCodes.validOnTheWire(code)) {
                    invalid = "invalid close code " + code;
                } else if (!Utf8Validator.isValid(payload.slice(payload.readerIndex() + 2, payload.readableBytes() - 2))) {
                    invalid = "close reason is not valid UTF-8";
                }
            }
        } finally {
            close.release();
        }
        if (invalid != null) {
            fail(CloseCodes.PROTOCOL_ERROR, invalid);
            return;
        }
        releaseMessage();
        if (closeSent) {
            // The peer answered our Close: the handshake is complete and the server closes the TCP connection
            // first (§7.1.1), so the client does not sit in TIME_WAIT.
            ctx.close();
            return;
        }
        // §5.5.1: answer a Close with a Close (echoing the code), then close.
        closeSent = true;
        ctx.writeAndFlush(new CloseWebSocketFrame(code, null)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flush(); // one flush per read batch: pongs and echoes of a burst go out together
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        boolean writable = ctx.channel().isWritable();
        // Stop reading while the peer is not reading what we send; keep reading once we wait for its Close.
        ctx.channel().config().setAutoRead(writable || closeSent);
        if (writable && !closeSent && !finished) {
            handler.onWritable(this);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == DrainEvent.INSTANCE) {
            closeGracefully(CloseCodes.GOING_AWAY, "server shutting down");
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof CorruptedWebSocketFrameException frameError) {
                fail(frameError.closeStatus().code(), frameError.getMessage());
                return;
            }
        }
        if (cause instanceof IOException) {
            ctx.close(); // a reset connection: nobody is left to tell
            return;
        }
        fail(CloseCodes.INTERNAL_ERROR, "internal error");
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        finish();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        finish();
    }

    // ---- closing ----

    /** _Fail the WebSocket Connection_ (§7.1.7): Close with the reason, then close at once. */
    private void fail(int code, String reason) {
        releaseMessage();
        if (finished) {
            return;
        }
        if (closeSent) {
            ctx.close();
            return;
        }
        closeSent = true;
        ctx.writeAndFlush(new CloseWebSocketFrame(code, shorten(reason))).addListener(ChannelFutureListener.CLOSE);
    }

    /** Starts the closing handshake and waits up to the idle timeout for the peer's Close. */
    private void closeGracefully(int code, String reason) {
        if (closeSent || finished) {
            return;
        }
        closeSent = true;
        releaseMessage();
        ctx.writeAndFlush(new CloseWebSocketFrame(code, shorten(reason)));
        ctx.channel().config().setAutoRead(true);
        closeDeadlineNanos = System.nanoTime() + idleNanos;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        arm(idleNanos);
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        releaseMessage();
        if (inflater != null) {
            inflater.close();
        }
        if (registered) {
            handler.onClose(this);
            registry.closed(this);
        }
    }

    private void releaseMessage() {
        if (message != null) {
            message.release();
            message = null;
        }
    }

    /** A Close frame has room for 123 bytes of reason (§5.5); cut whole characters until it fits. */
    private static String shorten(String reason) {
        if (reason == null) {
            return null;
        }
        String shortened = reason;
        while (shortened.getBytes(StandardCharsets.UTF_8).length > CloseCodes.MAX_REASON_BYTES) {
            shortened = shortened.substring(0, shortened.offsetByCodePoints(shortened.length(), -1));
        }
        return shortened;
    }

    // ---- one timer: idle ping, idle close, closing-handshake deadline ----

    private void arm(long delayNanos) {
        if (timer == null && !finished) {
            timer = ctx.executor().schedule(this::onTimer, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void onTimer() {
        timer = null;
        if (finished || !ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        if (closeSent) {
            long left = closeDeadlineNanos - now;
            if (left <= 0) {
                ctx.close(); // the peer never answered our Close
            } else {
                arm(left);
            }
            return;
        }
        long idle = now - lastReadNanos;
        if (idle < idleNanos) {
            arm(idleNanos - idle);
        } else if (!pingOutstanding) {
            pingOutstanding = true;
            ctx.writeAndFlush(new PingWebSocketFrame(), ctx.voidPromise());
            arm(idleNanos);
        } else {
            // Silent through a whole ping interval: the peer or the path is gone.
            closeSent = true;
            ctx.writeAndFlush(new CloseWebSocketFrame(CloseCodes.GOING_AWAY, "idle timeout"))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }
}
