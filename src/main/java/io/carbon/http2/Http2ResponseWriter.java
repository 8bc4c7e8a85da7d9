package io.carbon.http2;

import io.carbon.http.FramedResponseHeaders;
import io.carbon.http.PreparedHeaders;
import io.carbon.http.StreamOutput;
import io.carbon.http.StreamResponseWriter;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * A response on an HTTP/2 stream (written on the connection, or on a tunnel's stream channel): END_STREAM on the
 * last frame ends it. Netty's flow controller splits a large DATA frame by the peer's windows and
 * SETTINGS_MAX_FRAME_SIZE.
 */
final class Http2ResponseWriter extends StreamResponseWriter<Http2Headers> {

    Http2ResponseWriter(StreamOutput out) {
        super(out);
    }

    @Override
    protected Object headersFrame(Http2Headers head, boolean endStream) {
        return new DefaultHttp2HeadersFrame(head, endStream);
    }

    @Override
    protected Object dataFrame(ByteBuf data, boolean endStream) {
        return new DefaultHttp2DataFrame(data, endStream);
    }

    @Override
    protected Http2Headers preparedHead(PreparedHeaders fields, PreparedHeaders standard) {
        return FramedResponseHeaders.prepared(new DefaultHttp2Headers(false, fields.size() + standard.size() + 1),
                fields, standard);
    }

    @Override
    protected Http2Headers responseHead(HttpResponseStatus status, HttpHeaders headers) {
        return FramedResponseHeaders.of(new DefaultHttp2Headers(false, headers.size() + 1), status, headers);
    }
}
