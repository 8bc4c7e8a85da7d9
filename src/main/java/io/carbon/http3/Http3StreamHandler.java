package io.carbon.http3;

import io.carbon.config.HttpConfig;
import io.carbon.http.Exchanges;
import io.carbon.http.FramedRequestStream;
import io.carbon.http.HttpProtocol;
import io.carbon.http.Response;
import io.carbon.http.StreamOutput;
import io.carbon.http.StreamResponseWriter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3ErrorCode;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;

import java.util.function.Supplier;

/**
 * One HTTP/3 request stream: its channel's frames translated into the shared {@link FramedRequestStream}, as on an
 * HTTP/2 stream (RFC 9114 §4.3 follows RFC 9113 §8.3). HTTP/3 frames carry no END_STREAM: the end of the stream's
 * input (FIN) ends the request, and the response is ended by FIN ({@link Http3ResponseWriter}). A malformed request
 * is a stream error of type H3_MESSAGE_ERROR, a FIN before any HEADERS one of type H3_REQUEST_INCOMPLETE (RFC 9114
 * §4.1.2); after an early answer (413, 408) STOP_SENDING with H3_NO_ERROR asks the client to stop sending
 * (§4.1.1). An extended CONNECT answered with a tunnel continues on {@link Http3StreamTunnel}, one answered with a
 * WebTransport session on {@link WebTransportSession.ConnectStream}. Per-stream state: never shared.
 */
final class Http3StreamHandler extends Http3RequestStreamInboundHandler {

    private final Supplier<Exchanges> exchanges;
    private final HttpConfig config;
    private final boolean extendedConnect;
    /** The connection's WebTransport sessions, or null when WebTransport is off. */
    private final WebTransportSessions webTransport;

    private Stream stream;

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
        stream = new Stream(ctx);
    }

    @Override
    protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
        try {
            // A second HEADERS frame is the trailers (RFC 9114 §4.1): the request still ends with the FIN.
            stream.onHeaders(frame.headers(), false);
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    @Override
    protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
        try {
            stream.onData(frame.content(), false);
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    /** The client's FIN: the request is complete. */
    @Override
    protected void channelInputClosed(ChannelHandlerContext ctx) {
        stream.inputEnded();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            stream.onWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stream.closed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        stream.onReset();
        // Http3RequestStreamInboundHandler turns HTTP/3 and QUIC errors into the right stream or connection
        // error and closes the stream.
        super.exceptionCaught(ctx, cause);
    }

    /** The request on this handler's QUIC stream, with HTTP/3's hooks. */
    private final class Stream extends FramedRequestStream {

        private final ChannelHandlerContext ctx;

        Stream(ChannelHandlerContext ctx) {
            super(exchanges, config.headerTimeout(), HttpProtocol.HTTP_3, true, extendedConnect,
                    StreamOutput.of(ctx), ctx.channel());
            this.ctx = ctx;
        }

        private QuicStreamChannel quic() {
            return (QuicStreamChannel) ctx.channel();
        }

        @Override
        protected void rejectMalformed() {
            quic().shutdown(Http3ErrorCode.H3_MESSAGE_ERROR.code());
        }

        @Override
        protected void rejectIncomplete() {
            quic().shutdown(Http3ErrorCode.H3_REQUEST_INCOMPLETE.code());
        }

        @Override
        protected void stopSending() {
            quic().shutdownInput(Http3ErrorCode.H3_NO_ERROR.code());
        }

        @Override
        protected StreamResponseWriter<?> newWriter() {
            return new Http3ResponseWriter(out);
        }

        /**
         * RFC 9220 §3 (RFC 8441 §5): the 2xx HEADERS without FIN, and from then on the stream's DATA frames carry
         * the tunnel's bytes (a WebSocket's frames) both ways. A WebTransport session keeps the CONNECT stream as
         * its own; a connection with no room for another one gets 429 instead.
         */
        @Override
        protected Response openTunnel(Response response) {
            if (response.tunnel() != null) {
                Response finished = tunnelHead(response);
                // The tunnel opens before the 2xx leaves (see Http1ConnectionHandler.openTunnel).
                ctx.pipeline().addLast("h3-tunnel", new Http3StreamTunnel(response.tunnel().closeWait().toNanos()));
                response.tunnel().open(ctx.pipeline());
                tunnelOpened(response, finished);
                ctx.pipeline().remove(Http3StreamHandler.this);
                return null;
            }
            if (response.session() != null && webTransport != null) {
                return openSession(response);
            }
            return response;
        }

        /**
         * WebTransport (draft-ietf-webtrans-http3 §3.3): the 2xx HEADERS without FIN, the CONNECT stream stays
         * open as the session's, and its id names the session.
         */
        private Response openSession(Response response) {
            WebTransportSession session = webTransport.open(quic(), response.session(),
                    exchange().request().connection());
            if (session == null) {
                response.body().release();
                return Response.text(HttpResponseStatus.TOO_MANY_REQUESTS,
                        "too many WebTransport sessions on this connection (webtransport_max_sessions)\n");
            }
            Response finished = tunnelHead(response);
            if (exchange().request().headers().contains("sec-webtransport-http3-draft02")) {
                finished.headers().set("sec-webtransport-http3-draft", "draft02"); // what draft-02 clients look for
            }
            tunnelOpened(response, finished);
            ctx.pipeline().replace(Http3StreamHandler.this, "wt-connect",
                    new WebTransportSession.ConnectStream(session));
            response.session().opened(session);
            return null;
        }
    }
}
