package io.carbon.http2;

import io.carbon.config.HttpConfig;
import io.carbon.http.Body;
import io.carbon.http.ClientConnection;
import io.carbon.http.Exchange;
import io.carbon.http.ExchangeOutcome;
import io.carbon.http.Exchanges;
import io.carbon.http.FramedRequests;
import io.carbon.http.HttpProtocol;
import io.carbon.http.ProgressTimer;
import io.carbon.http.Response;
import io.carbon.http.StreamOutput;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.concurrent.Future;

import java.util.function.Supplier;

/**
 * One HTTP/2 request stream translated to and from its {@link Exchange}: HEADERS become the request head, DATA
 * frames the body, and once END_STREAM arrived the route's response is written back on the stream through its
 * {@link StreamOutput}. Not a handler: an ordinary stream is only an id on its connection, and
 * {@link Http2RequestStreams} (one handler per connection) drives one of these per stream, returns the DATA bytes
 * to flow control and says when the stream can take more. An extended CONNECT (RFC 8441) lives on a stream
 * channel of its own instead ({@link Http2StreamHandler}), because a tunnel installs handlers into a pipeline;
 * {@code tunnelContext} is that channel's context. Per-stream state: never shared; event loop only.
 *
 * <p>A body over the route's limit gets a complete 413 response followed by RST_STREAM(NO_ERROR): the client
 * learns why (as on HTTP/1.1), and RFC 9113 §8.1 lets a server that answered early ask the client to stop
 * sending the rest "without error" that way, leaving the connection and its other streams alone. A body that
 * stops arriving for {@code header_timeout} is answered 408 the same way.
 */
final class Http2RequestStream {

    private enum State { HEAD, BODY, ANSWERING, REJECTED }

    private final Supplier<Exchanges> exchanges;
    private final HttpConfig config;
    private final boolean secure;
    private final boolean extendedConnect;
    private final StreamOutput out;
    /** The connection (or a stream channel of it), for the client's address and TLS details. */
    private final Channel channel;
    /** A tunnel's stream channel, or null for a stream on the connection (which never carries a tunnel). */
    private final ChannelHandlerContext tunnelContext;

    private State state = State.HEAD;
    private Exchange exchange;
    /** Set once a response is being written; told when the stream goes away. */
    private Http2ResponseWriter writer;
    /** The body must keep arriving: {@code header_timeout} between DATA frames, as on HTTP/1.1. */
    private ProgressTimer bodyTimer;
    private boolean closed;

    Http2RequestStream(Supplier<Exchanges> exchanges, HttpConfig config, boolean secure, boolean extendedConnect,
                       StreamOutput out, Channel channel, ChannelHandlerContext tunnelContext) {
        this.exchanges = exchanges;
        this.config = config;
        this.secure = secure;
        this.extendedConnect = extendedConnect;
        this.out = out;
        this.channel = channel;
        this.tunnelContext = tunnelContext;
    }

    /** A HEADERS frame: the request head, or trailers. The caller keeps ownership of the frame. */
    void onHeaders(Http2HeadersFrame frame) {
        if (state != State.HEAD) {
            // Trailers (RFC 9113 §8.1): nothing in them matters to a static server; they end the request.
            if (frame.isEndStream() && state == State.BODY) {
                answer();
            }
            return;
        }
        FramedRequests.Parsed parsed = FramedRequests.parse(frame.headers(), HttpProtocol.HTTP_2,
                ClientConnection.of(channel), extendedConnect);
        if (parsed.request() == null) {
            // RFC 9113 §8.1.1: a malformed request is a stream error of type PROTOCOL_ERROR.
            state = State.REJECTED;
            reset(Http2Error.PROTOCOL_ERROR);
            return;
        }
        exchange = exchanges.get().begin(parsed.request());
        if (parsed.protocol() != null && frame.isEndStream()) {
            // RFC 8441 §4: the stream must stay open for the tunnel; one that is already half-closed is useless.
            state = State.ANSWERING;
            send(Response.of(HttpResponseStatus.BAD_REQUEST), false);
            return;
        }
        state = State.BODY;
        if (parsed.protocol() != null) {
            answer(); // the tunnel's bytes are not a body to wait for
            return;
        }
        if (frame.isEndStream()) {
            answer();
            return;
        }
        HttpResponseStatus refusal = exchange.refusal();
        if (refusal != null) {
            reject(refusal);
            return;
        }
        if (exchange.expectsContinue()) {
            out.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status(
                    HttpResponseStatus.CONTINUE.codeAsText())));
        }
        awaitBody();
    }

    /**
     * A DATA frame; the caller keeps ownership of the frame and has returned (or returns) its bytes to flow
     * control whatever happens here, as a stream channel does when it reads.
     */
    void onData(Http2DataFrame frame) {
        if (state != State.BODY) {
            return;
        }
        if (!exchange.onBody(frame.content())) {
            reject(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
            if (frame.isEndStream()) {
                state = State.ANSWERING;
            }
            return;
        }
        if (frame.isEndStream()) {
            answer();
        } else {
            bodyTimer.progress();
        }
    }

    /** The client sent RST_STREAM: a response still being written stops (the stream closes right after). */
    void onReset() {
        if (writer != null) {
            writer.peerGone();
        }
    }

    /** The stream can take more (its window opened, or the connection's outbound buffer drained). */
    void onWritable() {
        if (writer != null) {
            writer.pump();
        }
    }

    /** True while a response body is waiting for the stream to become writable again. */
    boolean writing() {
        return writer != null;
    }

    /**
     * A stream error on this open stream (content-length mismatch, flow-control overflow, missing
     * pseudo-headers): Netty's codec leaves answering it to the stream's owner; RFC 9113 §5.4.2 wants
     * RST_STREAM with the real code.
     */
    void onStreamError(Http2Error error) {
        if (writer != null) {
            writer.peerGone();
        }
        if (out.isOpen()) {
            reset(error);
        }
    }

    /** The stream closed (both ends done, reset either way, or the connection went away). Once. */
    void closed() {
        if (closed) {
            return;
        }
        closed = true;
        stopBodyTimer();
        if (writer != null) {
            writer.peerGone(); // usually nothing is being sent any more
        }
        if (exchange != null && state == State.BODY) {
            // Reset or gone while the body was arriving: the client closed the request (nginx's 499).
            exchange.completed(ExchangeOutcome.CLIENT_CLOSED_REQUEST, ExchangeOutcome.Cut.CLIENT_GONE);
        }
    }

    private void reset(Http2Error error) {
        out.writeAndFlush(new DefaultHttp2ResetFrame(error));
    }

    /**
     * A stream whose body stops arriving would otherwise stay open for as long as the connection does, one of
     * up to max_concurrent_streams per connection: like HTTP/1.1, the body must progress within
     * {@code header_timeout}, else 408 (and RST_STREAM, so the client stops sending).
     */
    private void awaitBody() {
        bodyTimer = new ProgressTimer(out.executor(), config.headerTimeout(), () -> {
            if (state == State.BODY && out.isOpen()) {
                reject(HttpResponseStatus.REQUEST_TIMEOUT);
            }
        });
        bodyTimer.start();
    }

    private void stopBodyTimer() {
        if (bodyTimer != null) {
            bodyTimer.stop();
        }
    }

    private void answer() {
        stopBodyTimer();
        state = State.ANSWERING;
        exchange.answer(out.executor(), response -> send(response, false));
    }

    /** Answers now, without reading the rest of the body, then asks the client to stop sending it. */
    private void reject(HttpResponseStatus status) {
        stopBodyTimer();
        state = State.REJECTED;
        send(Response.of(status), true);
    }

    private void send(Response response, boolean resetAfter) {
        int status = response.status().code();
        if (!out.isOpen()) {
            // The client reset the stream or left while the route worked.
            response.body().release();
            exchange.completed(response, status, 0, ExchangeOutcome.Cut.CLIENT_GONE);
            return;
        }
        if (HttpMethod.CONNECT.equals(exchange.request().method())
                && exchange.request().connectProtocol() != null) {
            if (response.tunnel() != null && response.status().codeClass() == HttpStatusClass.SUCCESS
                    && tunnelContext != null) {
                openTunnel(response);
                return;
            }
            // A refused tunnel: after the answer, RST_STREAM(NO_ERROR) closes the client's half too.
            state = State.REJECTED;
            resetAfter = true;
        }
        writer = new Http2ResponseWriter(out);
        int code;
        Future<?> written;
        if (exchange.finisher().preparedAsIs(response)) {
            // A cached file's 200: its fields as rendered once, with this second's standard ones.
            code = 200;
            written = writer.write(Http2ResponseWriter.preparedHeaders(response.prepared(),
                    exchange.finisher().standardFields(secure)), response.body(), !exchange.request().isHead());
        } else {
            Response finished = exchange.finisher().finish(response, secure);
            code = finished.status().code();
            written = writer.write(finished.status(), finished.headers(), finished.body(), exchange.sendsBody(code));
        }
        boolean reset = resetAfter;
        ExchangeOutcome.Cut cut = status == HttpResponseStatus.REQUEST_TIMEOUT.code() && reset
                ? ExchangeOutcome.Cut.TIMEOUT : ExchangeOutcome.Cut.NONE;
        written.addListener(f -> {
            exchange.completed(response, code, writer.bodyBytes(), f.isSuccess() ? cut
                    : out.isOpen() ? ExchangeOutcome.Cut.WRITE_FAILED : ExchangeOutcome.Cut.CLIENT_GONE);
            if (f.isSuccess() && reset && state == State.REJECTED && out.isOpen()) {
                // RFC 9113 §8.1: the response is complete; the unread rest of the request is not wanted.
                reset(Http2Error.NO_ERROR);
            }
        });
    }

    /**
     * RFC 8441 §5: the 2xx HEADERS without END_STREAM, and from then on the stream's DATA frames carry the
     * tunnel's bytes (a WebSocket's frames) both ways.
     */
    private void openTunnel(Response response) {
        ChannelHandlerContext ctx = tunnelContext;
        response.body().release();
        Response finished = exchange.finisher().finish(new Response(response.status(), response.headers(),
                Body.EMPTY), secure);
        // RFC 9110 §8.6: no Content-Length in a 2xx answer to CONNECT (the finisher adds one for empty bodies).
        finished.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        // The tunnel opens before the 2xx leaves (see Http1ConnectionHandler.openTunnel); its handlers go behind
        // the stream handler, which the HEADERS, written from there, do not pass.
        ctx.pipeline().addLast("h2-tunnel", new Http2StreamTunnel(response.tunnel().closeWait().toNanos()));
        response.tunnel().open(ctx.pipeline());
        ctx.writeAndFlush(new DefaultHttp2HeadersFrame(
                Http2ResponseWriter.responseHeaders(finished.status(), finished.headers()), false));
        exchange.completed(response, finished.status().code(), 0, ExchangeOutcome.Cut.TUNNEL);
        closed = true; // the tunnel owns the stream from now on
        ctx.pipeline().remove(ctx.handler());
    }
}
