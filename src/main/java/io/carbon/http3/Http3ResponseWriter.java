package io.carbon.http3;

import io.carbon.http.Body;
import io.carbon.http.FramedResponseHeaders;
import io.carbon.http.PreparedHeaders;
import io.carbon.http.StreamOutput;
import io.carbon.http.StreamResponseWriter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3Headers;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.concurrent.Future;

/**
 * A response on an HTTP/3 request stream: the stream's FIN after the last frame ends it (RFC 9114 §4.1), sent by
 * shutting its output down. QUIC has no sendfile; flow control paces the DATA frames.
 */
final class Http3ResponseWriter extends StreamResponseWriter<Http3Headers> {

    Http3ResponseWriter(ChannelHandlerContext ctx) {
        super(StreamOutput.of(ctx));
    }

    /** See {@link StreamResponseWriter#write}. */
    Future<?> write(HttpResponseStatus status, HttpHeaders headers, Body body, boolean withBody) {
        return write(responseHeaders(status, headers), body, withBody);
    }

    @Override
    protected Object headersFrame(Http3Headers head, boolean endStream) {
        return new DefaultHttp3HeadersFrame(head); // HTTP/3 frames have no END_STREAM flag: see ended()
    }

    @Override
    protected Object dataFrame(ByteBuf data, boolean endStream) {
        return new DefaultHttp3DataFrame(data);
    }

    @Override
    protected ChannelFuture ended(ChannelFuture lastWrite) {
        lastWrite.addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                ((QuicStreamChannel) f.channel()).shutdownOutput();
            }
        });
        return lastWrite;
    }

    static Http3Headers preparedHeaders(PreparedHeaders fields, PreparedHeaders standard) {
        return FramedResponseHeaders.prepared(new DefaultHttp3Headers(false, fields.size() + standard.size() + 1),
                fields, standard);
    }

    static Http3Headers responseHeaders(HttpResponseStatus status, HttpHeaders headers) {
        return FramedResponseHeaders.of(new DefaultHttp3Headers(false, headers.size() + 1), status, headers);
    }
}
