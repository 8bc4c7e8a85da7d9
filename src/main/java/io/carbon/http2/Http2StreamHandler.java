package io.carbon.http2;

import io.carbon.config.HttpConfig;
import io.carbon.http.Exchanges;
import io.carbon.http.Request;
import io.carbon.http.Response;
import io.carbon.websocket.Accepted;
import io.carbon.websocket.HandshakeResult;
import io.carbon.websocket.WebSocketService;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/2 stream (its own child channel): HEADERS become a {@link Request}, the request body is read and
 * discarded within {@code max_body_size} (the child channel returns the bytes to flow control as it reads
 * them), and once END_STREAM arrived the router's response is written back on this stream. Per-stream state:
 * never shared.
 *
 * <p>A body over {@code max_body_size} gets a complete 413 response followed by RST_STREAM(NO_ERROR): the
 * client learns why (as on HTTP/1.1), and RFC 9113 §8.1 lets a server that answered early ask the client to
 * stop sending the rest "without error" that way, leaving the connection and its other streams alone.
 */
final class Http2StreamHandler extends ChannelInboundHandlerAdapter {

    private enum State { HEAD, BODY, ANSWERING, REJECTED }

    private final Exchanges exchanges;
    private final HttpConfig config;
    private final boolean secure;
    /** Null when WebSocket is off. */
    private final WebSocketService websockets;

    private ChannelHandlerContext ctx;
    /** The request body, kept only for endpoints that read it (publishing to a channel); else discarded. */
    private ByteArrayOutputStream kept;
    private long bodyLimit;
    private State state = State.HEAD;
    private Request request;
    private long bodyBytes;
    /** Set once a response is being written; told when the stream goes away. */
    private Http2ResponseWriter writer;
    private boolean reported;
    /** The body must keep arriving: {@code header_timeout} between DATA frames, as on HTTP/1.1. */
    private ScheduledFuture<?> bodyTimer;
    private long bodyDeadlineNanos;

    Http2StreamHandler(Exchanges exchanges, HttpConfig config, boolean secure, WebSocketService websockets) {
        this.exchanges = exchanges;
        this.config = config;
        this.secure = secure;
        this.websockets = websockets;
        this.bodyLimit = config.maxBodySize();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2HeadersFrame headers) {
                onHeaders(headers);
            } else if (msg instanceof Http2DataFrame data) {
                onData(data);
            } else if (msg instanceof Http2ResetFrame && writer != null) {
                writer.peerGone();
            }
        } finally {
            // DATA frames are released here; their bytes went back to flow control when the channel read them.
            ReferenceCountUtil.release(msg);
        }
    }

    private void onHeaders(Http2HeadersFrame frame) {
        if (state != State.HEAD) {
            // Trailers (RFC 9113 §8.1): nothing in them matters to a static server; they end the request.
            if (frame.isEndStream() && state == State.BODY) {
                answer();
            }
            return;
        }
        InetSocketAddress remote = (InetSocketAddress) ctx.channel().parent().remoteAddress();
        Http2Requests.Parsed parsed = Http2Requests.parse(frame.headers(), remote, secure, websockets != null);
        if (parsed.request() == null) {
            // RFC 9113 §8.1.1: a malformed request is a stream error of type PROTOCOL_ERROR.
            state = State.REJECTED;
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR));
            return;
        }
        request = parsed.request();
        if (parsed.protocol() != null) {
            extendedConnect(parsed.protocol(), frame.isEndStream());
            return;
        }
        state = State.BODY;
        if (websockets != null && websockets.wantsBody(request)) {
            kept = new ByteArrayOutputStream();
            bodyLimit = Math.min(config.maxBodySize(), websockets.maxBodySize());
        }
        if (frame.isEndStream()) {
            answer();
            return;
        }
        CharSequence length = request.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        if (length != null && parseLength(length) > bodyLimit) {
            reject(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
            return;
        }
        String expect = request.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null) {
            // RFC 9110 §10.1.1: 100-continue is the only expectation defined; anything else gets 417.
            if (!HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect)) {
                reject(HttpResponseStatus.EXPECTATION_FAILED);
                return;
            }
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status(
                    HttpResponseStatus.CONTINUE.codeAsText())));
        }
        awaitBody();
    }

    /**
     * A stream whose body stops arriving would otherwise stay open for as long as the connection does, one of
     * up to max_concurrent_streams per connection: like HTTP/1.1, the body must progress within
     * {@code header_timeout}, else 408 (and RST_STREAM, so the client stops sending).
     */
    private void awaitBody() {
        long timeout = config.headerTimeout().toNanos();
        bodyDeadlineNanos = System.nanoTime() + timeout;
        if (bodyTimer == null) {
            bodyTimer = ctx.executor().schedule(this::onBodyTimer, timeout, TimeUnit.NANOSECONDS);
        }
    }

    private void onBodyTimer() {
        bodyTimer = null;
        if (state != State.BODY || !ctx.channel().isActive()) {
            return;
        }
        long remaining = bodyDeadlineNanos - System.nanoTime();
        if (remaining > 0) {
            bodyTimer = ctx.executor().schedule(this::onBodyTimer, remaining, TimeUnit.NANOSECONDS);
            return;
        }
        kept = null;
        reject(HttpResponseStatus.REQUEST_TIMEOUT);
    }

    private void stopBodyTimer() {
        if (bodyTimer != null) {
            bodyTimer.cancel(false);
            bodyTimer = null;
        }
    }

    private void onData(Http2DataFrame frame) {
        if (state != State.BODY) {
            return;
        }
        bodyBytes += frame.content().readableBytes();
        if (bodyBytes > bodyLimit) {
            kept = null;
            reject(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
            if (frame.isEndStream()) {
                state = State.ANSWERING;
            }
            return;
        }
        if (kept != null) {
            kept.writeBytes(ByteBufUtil.getBytes(frame.content()));
        }
        if (frame.isEndStream()) {
            answer();
        } else {
            bodyDeadlineNanos = System.nanoTime() + config.headerTimeout().toNanos();
        }
    }

    /**
     * RFC 8441: a WebSocket on this stream. Accepted, the stream answers 200 without END_STREAM and from then
     * on carries WebSocket frames in DATA frames; rejected, it gets an ordinary response.
     */
    private void extendedConnect(CharSequence protocol, boolean endStream) {
        state = State.ANSWERING;
        if (endStream) {
            // RFC 8441 §4: the stream must stay open for the tunnel; one that is already half-closed is useless.
            send(Response.of(HttpResponseStatus.BAD_REQUEST), false);
            return;
        }
        HandshakeResult result = websockets.handshakeExtendedConnect(request, protocol);
        if (result instanceof HandshakeResult.Rejected rejected) {
            state = State.REJECTED; // after the answer, RST_STREAM(NO_ERROR) closes the client's half too
            send(rejected.response(), true);
            return;
        }
        Accepted accepted = (Accepted) result;
        Response finished = exchanges.finisher().finish(accepted.response(), secure);
        // RFC 9110 §8.6: no Content-Length in a 2xx answer to CONNECT (the finisher adds one for empty bodies).
        finished.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        ctx.writeAndFlush(new DefaultHttp2HeadersFrame(
                Http2ResponseWriter.responseHeaders(finished.status(), finished.headers()), false));
        report(finished.status().code(), 0);
        ctx.pipeline().remove(this);
        websockets.install(ctx.pipeline(), accepted);
    }

    private void answer() {
        stopBodyTimer();
        state = State.ANSWERING;
        Request answered = kept != null ? request.withBody(ByteBuffer.wrap(kept.toByteArray())) : request;
        kept = null;
        exchanges.answer(answered, ctx.executor(), response -> send(response, false));
    }

    /** Answers now, without reading the rest of the body, then asks the client to stop sending it. */
    private void reject(HttpResponseStatus status) {
        stopBodyTimer();
        state = State.REJECTED;
        send(Response.of(status), true);
    }

    private void send(Response response, boolean resetAfter) {
        if (!ctx.channel().isActive()) {
            // The client reset the stream or left while the router worked.
            response.body().release();
            report(response.status().code(), 0);
            return;
        }
        writer = new Http2ResponseWriter(ctx);
        int code;
        Future<?> written;
        if (exchanges.finisher().preparedAsIs(response)) {
            // A cached file's 200: its fields as rendered once, with this second's standard ones.
            code = 200;
            written = writer.write(Http2ResponseWriter.preparedHeaders(response.prepared(),
                    exchanges.finisher().standardFields(secure)), response.body(), !request.isHead());
        } else {
            Response finished = exchanges.finisher().finish(response, secure);
            code = finished.status().code();
            boolean withBody = !request.isHead() && code != 204 && code != 304;
            written = writer.write(finished.status(), finished.headers(), finished.body(), withBody);
        }
        written.addListener(f -> {
            report(code, writer.bodyBytes());
            if (f.isSuccess() && resetAfter && state == State.REJECTED && ctx.channel().isActive()) {
                // RFC 9113 §8.1: the response is complete; the unread rest of the request is not wanted.
                ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
            }
        });
    }

    private void report(int status, long bytes) {
        if (!reported) {
            reported = true;
            exchanges.listener().exchangeCompleted(request, status, bytes, System.nanoTime() - request.startNanos());
        }
    }

    private void abort(Throwable cause) {
        if (writer != null) {
            writer.abort(cause);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (writer != null && ctx.channel().isWritable()) {
            writer.pump();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stopBodyTimer();
        if (writer != null) {
            writer.peerGone(); // usually nothing is being sent any more
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        abort(cause);
        Http2Exception.StreamException streamError = streamError(cause);
        if (streamError != null && ctx.channel().isActive()) {
            // A stream error on an open stream (content-length mismatch, flow-control overflow, missing
            // pseudo-headers) reaches us instead of being answered by the codec; the multiplexer closes this
            // channel right after, which would send RST_STREAM(CANCEL). RFC 9113 §5.4.2 wants the real code.
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(streamError.error()));
            return;
        }
        ctx.close();
    }

    private static Http2Exception.StreamException streamError(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof Http2Exception.StreamException streamError) {
                return streamError;
            }
        }
        return null;
    }

    private static long parseLength(CharSequence value) {
        try {
            return Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            // Netty's decoder rejects a malformed content-length before it gets here.
            return -1;
        }
    }

    /** The stream this handler serves, for diagnostics. */
    @Override
    public String toString() {
        return "Http2StreamHandler[" + (ctx != null && ctx.channel() instanceof Http2StreamChannel s
                ? s.stream().id() : "?") + "]";
    }
}
