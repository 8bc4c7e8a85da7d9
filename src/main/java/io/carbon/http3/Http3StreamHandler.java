package io.carbon.http3;

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
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http3.DefaultHttp3Headers;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3ErrorCode;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;

import java.util.function.Supplier;

/**
 * One HTTP/3 request stream, translated to and from its {@link Exchange}, like an HTTP/2 stream: HEADERS become
 * the request head (the same rules as HTTP/2, RFC 9114 §4.3, so {@link FramedRequests} parses both), DATA
 * frames the body, the end of the stream's input (FIN) ends the request, and the route's response goes back on
 * the same stream, ended by FIN. Per-stream state: never shared.
 *
 * <p>A malformed request is a stream error of type H3_MESSAGE_ERROR (RFC 9114 §4.1.2). A body over the route's
 * limit, or one that stops arriving for {@code header_timeout}, gets a complete 413 or 408 response, then
 * STOP_SENDING with H3_NO_ERROR: RFC 9114 §4.1.1 lets a server that answered early ask the client to stop
 * sending the rest that way, leaving the connection and its other streams alone.
 */
final class Http3StreamHandler extends Http3RequestStreamInboundHandler {

    private enum State { HEAD, BODY, ANSWERING, REJECTED }

    private final Supplier<Exchanges> exchanges;
    private final HttpConfig config;
    private final boolean extendedConnect;
    /** The connection's WebTransport sessions, or null when WebTransport is off. */
    private final WebTransportSessions webTransport;

    private ChannelHandlerContext ctx;
    private State state = State.HEAD;
    private Exchange exchange;
    private Http3ResponseWriter writer;
    /** The body must keep arriving: {@code header_timeout} between DATA frames, as on HTTP/1.1. */
    private ProgressTimer bodyTimer;

    /**
     * @param extendedConnect SETTINGS_ENABLE_CONNECT_PROTOCOL was sent: a route tunnels (RFC 9220)
     * @param webTransport    the connection's WebTransport sessions, or null when WebTransport is off
     */
    Http3StreamHandler(Supplier<Exchanges> exchanges, HttpConfig config, boolean extendedConnect,
                       WebTransportSessions webTransport) {
        this.exchanges = exchanges;
        this.config = config;
        this.extendedConnect = extendedConnect || webTransport != null;
        this.webTransport = webTransport;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
        try {
            if (state == State.HEAD) {
                onHead(frame);
            }
            // A second HEADERS frame is the trailers (RFC 9114 §4.1): nothing in them matters here; the
            // request still ends with the stream's FIN.
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    private void onHead(Http3HeadersFrame frame) {
        FramedRequests.Parsed parsed = FramedRequests.parse(frame.headers(), HttpProtocol.HTTP_3,
                ClientConnection.of(ctx.channel()), extendedConnect);
        if (parsed.request() == null) {
            state = State.REJECTED;
            ((QuicStreamChannel) ctx.channel()).shutdown(Http3ErrorCode.H3_MESSAGE_ERROR.code());
            return;
        }
        exchange = exchanges.get().begin(parsed.request());
        if (parsed.protocol() != null) {
            // RFC 9220 §3: an extended CONNECT; the stream's bytes are the tunnel's, not a body to wait for.
            state = State.ANSWERING;
            exchange.answer(ctx.executor(), this::send);
            return;
        }
        state = State.BODY;
        HttpResponseStatus refusal = exchange.refusal();
        if (refusal != null) {
            reject(refusal);
            return;
        }
        if (exchange.expectsContinue()) {
            ctx.writeAndFlush(new DefaultHttp3HeadersFrame(new DefaultHttp3Headers().status(
                    HttpResponseStatus.CONTINUE.codeAsText())));
        }
        awaitBody();
    }

    @Override
    protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
        try {
            if (state != State.BODY) {
                return;
            }
            if (!exchange.onBody(frame.content())) {
                reject(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
                return;
            }
            bodyTimer.progress();
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    /** The client's FIN: the request is complete. */
    @Override
    protected void channelInputClosed(ChannelHandlerContext ctx) {
        if (state == State.BODY) {
            stopBodyTimer();
            state = State.ANSWERING;
            exchange.answer(ctx.executor(), this::send);
        } else if (state == State.HEAD) {
            // FIN before any HEADERS: an incomplete request (RFC 9114 §4.1.2).
            state = State.REJECTED;
            ((QuicStreamChannel) ctx.channel()).shutdown(Http3ErrorCode.H3_REQUEST_INCOMPLETE.code());
        }
    }

    private void awaitBody() {
        bodyTimer = new ProgressTimer(ctx.executor(), config.headerTimeout(), () -> {
            if (state == State.BODY && ctx.channel().isActive()) {
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

    /** Answers now, without reading the rest of the body, then asks the client to stop sending it. */
    private void reject(HttpResponseStatus status) {
        stopBodyTimer();
        state = State.REJECTED;
        send(Response.of(status));
    }

    private void send(Response answer) {
        Response response = answer;
        int status = response.status().code();
        if (!ctx.channel().isActive()) {
            // The client reset the stream or left while the route worked.
            response.body().release();
            exchange.completed(response, status, 0, ExchangeOutcome.Cut.CLIENT_GONE);
            return;
        }
        if (exchange.request().connectProtocol() != null) {
            if (response.tunnel() != null && response.status().codeClass() == HttpStatusClass.SUCCESS) {
                openTunnel(response);
                return;
            }
            if (response.session() != null && webTransport != null
                    && response.status().codeClass() == HttpStatusClass.SUCCESS) {
                if (openSession(response)) {
                    return;
                }
                response.body().release();
                response = Response.text(HttpResponseStatus.TOO_MANY_REQUESTS,
                        "too many WebTransport sessions on this connection (webtransport_max_sessions)\n");
                status = response.status().code();
            }
            state = State.REJECTED; // a refused tunnel: after the answer, STOP_SENDING ends the client's half
        }
        writer = new Http3ResponseWriter(ctx);
        int code;
        Future<?> written;
        if (exchange.finisher().preparedAsIs(response)) {
            code = 200;
            written = writer.write(Http3ResponseWriter.preparedHeaders(response.prepared(),
                    exchange.finisher().standardFields(true)), response.body(), !exchange.request().isHead());
        } else {
            Response finished = exchange.finisher().finish(response, true);
            code = finished.status().code();
            written = writer.write(finished.status(), finished.headers(), finished.body(), exchange.sendsBody(code));
        }
        boolean rejected = state == State.REJECTED;
        Response sent = response;
        int asked = status;
        ExchangeOutcome.Cut cut = rejected && asked == HttpResponseStatus.REQUEST_TIMEOUT.code()
                ? ExchangeOutcome.Cut.TIMEOUT : ExchangeOutcome.Cut.NONE;
        written.addListener(f -> {
            exchange.completed(sent, code, writer.bodyBytes(), f.isSuccess() ? cut
                    : ctx.channel().isActive() ? ExchangeOutcome.Cut.WRITE_FAILED : ExchangeOutcome.Cut.CLIENT_GONE);
            if (f.isSuccess() && rejected && ctx.channel().isActive()) {
                // RFC 9114 §4.1.1: the response is complete; the unread rest of the request is not wanted.
                ((QuicStreamChannel) ctx.channel()).shutdownInput(Http3ErrorCode.H3_NO_ERROR.code());
            }
        });
    }

    /**
     * RFC 9220 §3 (RFC 8441 §5): the 2xx HEADERS without FIN, and from then on the stream's DATA frames carry the
     * tunnel's bytes (a WebSocket's frames) both ways.
     */
    private void openTunnel(Response response) {
        response.body().release();
        Response finished = exchange.finisher().finish(new Response(response.status(), response.headers(),
                Body.EMPTY), true);
        // RFC 9110 §8.6: no Content-Length in a 2xx answer to CONNECT (the finisher adds one for empty bodies).
        finished.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        // The tunnel opens before the 2xx leaves (see Http1ConnectionHandler.openTunnel).
        ctx.pipeline().addLast("h3-tunnel", new Http3StreamTunnel(response.tunnel().closeWait().toNanos()));
        response.tunnel().open(ctx.pipeline());
        ctx.writeAndFlush(new DefaultHttp3HeadersFrame(
                Http3ResponseWriter.responseHeaders(finished.status(), finished.headers())));
        exchange.completed(response, finished.status().code(), 0, ExchangeOutcome.Cut.TUNNEL);
        ctx.pipeline().remove(this);
    }

    /**
     * WebTransport (draft-ietf-webtrans-http3 §3.3): the 2xx HEADERS without FIN, the CONNECT stream stays open
     * as the session's, and its id names the session. False when the connection has no room for another session
     * (the caller then answers 429 instead).
     */
    private boolean openSession(Response response) {
        QuicStreamChannel stream = (QuicStreamChannel) ctx.channel();
        WebTransportSession session = webTransport.open(stream, response.session(), exchange.request().connection());
        if (session == null) {
            return false;
        }
        response.body().release();
        Response finished = exchange.finisher().finish(new Response(response.status(), response.headers(),
                Body.EMPTY), true);
        finished.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        if (exchange.request().headers().contains("sec-webtransport-http3-draft02")) {
            finished.headers().set("sec-webtransport-http3-draft", "draft02"); // what draft-02 clients look for
        }
        ctx.writeAndFlush(new DefaultHttp3HeadersFrame(
                Http3ResponseWriter.responseHeaders(finished.status(), finished.headers())));
        exchange.completed(response, finished.status().code(), 0, ExchangeOutcome.Cut.TUNNEL);
        ctx.pipeline().replace(this, "wt-connect", new WebTransportSession.ConnectStream(session));
        response.session().opened(session);
        return true;
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
            writer.peerGone();
        }
        if (exchange != null && state == State.BODY) {
            // Reset or gone while the body was arriving: the client closed the request (nginx's 499).
            exchange.completed(ExchangeOutcome.CLIENT_CLOSED_REQUEST, ExchangeOutcome.Cut.CLIENT_GONE);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (writer != null) {
            writer.peerGone();
        }
        // Http3RequestStreamInboundHandler turns HTTP/3 and QUIC errors into the right stream or connection
        // error and closes the stream.
        super.exceptionCaught(ctx, cause);
    }
}
