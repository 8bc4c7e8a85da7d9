package io.carbon.http2;

import io.carbon.config.HttpConfig;
import io.carbon.http.Exchanges;
import io.carbon.http.FramedRequestStream;
import io.carbon.http.HttpProtocol;
import io.carbon.http.Response;
import io.carbon.http.StreamOutput;
import io.carbon.http.StreamResponseWriter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2HeadersFrame;

import java.util.function.Supplier;

/**
 * One HTTP/2 request stream: the shared {@link FramedRequestStream} with HTTP/2's framing. END_STREAM is a flag of
 * the HEADERS or DATA frame that ends the request; a malformed request is RST_STREAM(PROTOCOL_ERROR) (RFC 9113
 * §8.1.1); after an early answer (413, 408) RST_STREAM(NO_ERROR) asks the client to stop sending (§8.1). Not a
 * handler: an ordinary stream is only an id on its connection, and {@link Http2RequestStreams} (one handler per
 * connection) drives one of these per stream, returns the DATA bytes to flow control and says when the stream can
 * take more. An extended CONNECT (RFC 8441) lives on a stream channel of its own instead
 * ({@link Http2StreamHandler}), because a tunnel installs handlers into a pipeline; {@code tunnelContext} is that
 * channel's context. Per-stream state: never shared; event loop only.
 */
final class Http2RequestStream extends FramedRequestStream {

    /** A tunnel's stream channel, or null for a stream on the connection (which never carries a tunnel). */
    private final ChannelHandlerContext tunnelContext;

    /** @param channel the connection (or a stream channel of it), for the client's address and TLS details */
    Http2RequestStream(Supplier<Exchanges> exchanges, HttpConfig config, boolean secure, boolean extendedConnect,
                       StreamOutput out, Channel channel, ChannelHandlerContext tunnelContext) {
        super(exchanges, config.headerTimeout(), HttpProtocol.HTTP_2, secure, extendedConnect, out, channel);
        this.tunnelContext = tunnelContext;
    }

    /** A HEADERS frame: the request head, or trailers. The caller keeps ownership of the frame. */
    void onHeaders(Http2HeadersFrame frame) {
        onHeaders(frame.headers(), frame.isEndStream());
    }

    /**
     * A DATA frame; the caller keeps ownership of the frame and has returned (or returns) its bytes to flow
     * control whatever happens here, as a stream channel does when it reads.
     */
    void onData(Http2DataFrame frame) {
        onData(frame.content(), frame.isEndStream());
    }

    /**
     * A stream error on this open stream (content-length mismatch, flow-control overflow, missing
     * pseudo-headers): Netty's codec leaves answering it to the stream's owner; RFC 9113 §5.4.2 wants
     * RST_STREAM with the real code.
     */
    void onStreamError(Http2Error error) {
        onReset();
        if (out.isOpen()) {
            reset(error);
        }
    }

    @Override
    protected void rejectMalformed() {
        reset(Http2Error.PROTOCOL_ERROR);
    }

    @Override
    protected void stopSending() {
        reset(Http2Error.NO_ERROR);
    }

    @Override
    protected StreamResponseWriter<?> newWriter() {
        return new Http2ResponseWriter(out);
    }

    /**
     * RFC 8441 §5: the 2xx HEADERS without END_STREAM, and from then on the stream's DATA frames carry the
     * tunnel's bytes (a WebSocket's frames) both ways. Only a stream channel can carry one.
     */
    @Override
    protected Response openTunnel(Response response) {
        ChannelHandlerContext ctx = tunnelContext;
        if (response.tunnel() == null || ctx == null) {
            return response;
        }
        Response finished = tunnelHead(response);
        // The tunnel opens before the 2xx leaves (see Http1ConnectionHandler.openTunnel); its handlers go behind
        // the stream handler, which the HEADERS, written from there, do not pass.
        ctx.pipeline().addLast("h2-tunnel", new Http2StreamTunnel(response.tunnel().closeWait().toNanos()));
        response.tunnel().open(ctx.pipeline());
        tunnelOpened(response, finished);
        ctx.pipeline().remove(ctx.handler());
        return null;
    }

    private void reset(Http2Error error) {
        out.writeAndFlush(new DefaultHttp2ResetFrame(error));
    }
}
