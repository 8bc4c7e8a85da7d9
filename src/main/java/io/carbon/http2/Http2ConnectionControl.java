package io.carbon.http2;

import io.carbon.config.Http2Config;
import io.carbon.config.HttpConfig;
import io.carbon.http.ConnectionActivity;
import io.carbon.http.DrainEvent;
import io.carbon.http.LingeringClose;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Connection-level duties of one HTTP/2 connection, behind the frame codec, {@link Http2RequestStreams} and the
 * multiplexer: grows the connection receive window once the server preface is out, closes a connection without open
 * streams after {@code keep_alive_timeout} (GOAWAY, like HTTP/1.1's idle close), drains it gracefully on {@link
 * DrainEvent}, after {@code max_requests_per_connection} streams or at {@code max_connection_age}, resets streams
 * stalled on a shut window for {@code send_timeout}, tells the gate when the connection is idle, and closes on I/O
 * errors that reach the end of the pipeline. Per-connection state: never shared.
 */
final class Http2ConnectionControl extends ChannelInboundHandlerAdapter {

    private final Http2Config config;
    private final long keepAliveNanos;
    private boolean windowGrown;
    /** When the last stream closed (or the connection started); meaningful while no stream is open. */
    private long idleSinceNanos = System.nanoTime();
    private ScheduledFuture<?> idleCheck;
    /** max_requests_per_connection (streams here), 0 = none; max_connection_age, zero = none. */
    private final int maxStreams;
    private final Duration maxAge;
    private int streams;
    private ScheduledFuture<?> ageLimit;
    /** {@code send_timeout} for streams whose flow-control window the client keeps shut. */
    private final long sendTimeoutNanos;
    private ScheduledFuture<?> stallCheck;
    private final Http2StreamStateGuard guard;
    private long windowUpdatesAtLastCheck = -1;

    Http2ConnectionControl(Http2Config config, HttpConfig http, Http2StreamStateGuard guard) {
        this.guard = guard;
        this.config = config;
        this.keepAliveNanos = http.keepAliveTimeout().toNanos();
        this.maxStreams = http.maxRequestsPerConnection();
        this.maxAge = http.maxConnectionAge();
        this.sendTimeoutNanos = http.sendTimeout().toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // The client may be sending (WINDOW_UPDATEs for the last response, new streams) when the connection
        // closes after GOAWAY; a plain close would reset the end of the last response away.
        LingeringClose.install(ctx.channel());
        Http2Connection connection = ctx.pipeline().get(Http2FrameCodec.class).connection();
        ConnectionActivity activity = ConnectionActivity.of(ctx.channel());
        connection.addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamClosed(Http2Stream stream) {
                // Idle time only counts once no stream is left (checkIdle looks at nothing else): the clock is
                // read then, not on every stream's close.
                if (connection.numActiveStreams() == 0) {
                    idleSinceNanos = System.nanoTime();
                    if (activity != null) {
                        activity.idle(); // the gate may close this connection to make room
                    }
                }
            }

            @Override
            public void onStreamAdded(Http2Stream stream) {
                if (activity != null) {
                    activity.busy();
                }
                if (maxStreams > 0 && connection.remote().isValidStreamId(stream.id()) && ++streams == maxStreams) {
                    // The last stream this connection takes: GOAWAY names it, so it and those before it finish
                    // and the client opens later ones elsewhere (RFC 9113 §6.8). Not from inside the decoder.
                    ctx.executor().execute(() -> retire(ctx));
                }
            }
        });
        stallCheck = ctx.executor().schedule(() -> checkStalled(ctx, connection), sendTimeoutNanos,
                TimeUnit.NANOSECONDS);
        if (!maxAge.isZero()) {
            ageLimit = ctx.executor().schedule(() -> retire(ctx), maxAge.toNanos(), TimeUnit.NANOSECONDS);
        }
        idleCheck = ctx.executor().schedule(() -> checkIdle(ctx, connection), keepAliveNanos, TimeUnit.NANOSECONDS);
        // The codec before us sent its preface already when the channel was active (accepted socket,
        // h2c upgrade); otherwise it does so in channelActive, which reaches the codec before us.
        if (ctx.channel().isActive()) {
            growConnectionWindow(ctx);
        }
    }

    private void checkIdle(ChannelHandlerContext ctx, Http2Connection connection) {
        if (!ctx.channel().isActive()) {
            return;
        }
        long idleFor = System.nanoTime() - idleSinceNanos;
        if (connection.numActiveStreams() == 0 && idleFor >= keepAliveNanos) {
            ctx.close(); // GOAWAY(NO_ERROR), then the socket closes
            return;
        }
        long next = connection.numActiveStreams() == 0 ? keepAliveNanos - idleFor : keepAliveNanos;
        idleCheck = ctx.executor().schedule(() -> checkIdle(ctx, connection), next, TimeUnit.NANOSECONDS);
    }

    /**
     * {@code send_timeout} on HTTP/2: the socket can be perfectly healthy while a client keeps a stream's (or
     * the connection's) flow-control window shut, and the response's frames then wait in Netty's flow
     * controller, holding the stream and its file for good. A client that reads sends WINDOW_UPDATE frames; so
     * when a whole period passed without one, every stream with frames waiting and no window to send them is
     * reset (CANCEL, RFC 9113 §5.4.2) and the connection goes on. One timer per connection: nothing per request.
     */
    private void checkStalled(ChannelHandlerContext ctx, Http2Connection connection) {
        if (!ctx.channel().isActive()) {
            return;
        }
        long updates = guard.windowUpdates();
        boolean silent = updates == windowUpdatesAtLastCheck;
        windowUpdatesAtLastCheck = updates;
        if (silent) {
            Http2RemoteFlowController flow = connection.remote().flowController();
            boolean connectionShut = flow.windowSize(connection.connectionStream()) <= 0;
            List<Http2Stream> stalled = new ArrayList<>();
            try {
                connection.forEachActiveStream(stream -> {
                    if (flow.hasFlowControlled(stream) && (connectionShut || flow.windowSize(stream) <= 0)) {
                        stalled.add(stream);
                    }
                    return true;
                });
            } catch (Http2Exception e) {
                throw new IllegalStateException(e); // the visitor above throws nothing
            }
            if (!stalled.isEmpty()) {
                Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
                ChannelHandlerContext codecContext = ctx.pipeline().context(codec);
                for (Http2Stream stream : stalled) {
                    codec.resetStream(codecContext, stream.id(), Http2Error.CANCEL.code(), codecContext.newPromise());
                }
                codecContext.flush();
            }
        }
        stallCheck = ctx.executor().schedule(() -> checkStalled(ctx, connection), sendTimeoutNanos,
                TimeUnit.NANOSECONDS);
    }

    /** Graceful close: GOAWAY(NO_ERROR, last stream id), open streams finish, then the socket closes. */
    private static void retire(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            ctx.close();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        if (ageLimit != null) {
            ageLimit.cancel(false);
        }
        if (stallCheck != null) {
            stallCheck.cancel(false);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        growConnectionWindow(ctx);
        ctx.fireChannelActive();
    }

    /**
     * RFC 9113 §6.9.2: SETTINGS_INITIAL_WINDOW_SIZE does not change the connection window, which starts at
     * 65,535 bytes; only a WINDOW_UPDATE on stream 0 grows it. Without it every upload shares 64 KiB.
     */
    private void growConnectionWindow(ChannelHandlerContext ctx) {
        if (windowGrown) {
            return;
        }
        windowGrown = true;
        Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
        Http2Connection connection = codec.connection();
        // Netty's codec already grew the window to twice the stream window; top it up to our size.
        int current = connection.local().flowController().initialWindowSize(connection.connectionStream());
        int delta = config.connectionWindowSize() - current;
        if (delta > 0) {
            // A window update frame without a stream is for the connection; the codec sends it on stream 0.
            ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(delta));
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == DrainEvent.INSTANCE) {
            // The codec turns close() into GOAWAY(NO_ERROR, last stream id) and closes the socket once the
            // open streams are done or gracefulShutdownTimeoutMillis passed (RFC 9113 §6.8).
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
            // The frame codec shows us its protocol errors before it answers them itself with GOAWAY and
            // the right code (RFC 9113 §5.4.1); closing here would send GOAWAY(NO_ERROR) first.
            return;
        }
        // I/O trouble such as a connection reset: nothing to answer, nothing to keep.
        ctx.close();
    }
}
