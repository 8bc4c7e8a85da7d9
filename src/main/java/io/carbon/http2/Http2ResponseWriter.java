package io.carbon.http2;

import io.carbon.http.HeaderBlockResponseWriter;
import io.carbon.http.PreparedHeaders;
import io.carbon.http.StreamOutput;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.ReadOnlyHttp2Headers;

/**
 * A response on an HTTP/2 stream (written on the connection, or on a tunnel's stream channel): END_STREAM on the
 * last frame ends it. Netty's flow controller splits a large DATA frame by the peer's windows and
 * SETTINGS_MAX_FRAME_SIZE.
 */
final class Http2ResponseWriter extends HeaderBlockResponseWriter<Http2Headers> {

    Http2ResponseWriter(StreamOutput out) {
        super(out);
    }

    /**
     * A cached file's 200: Netty's read-only block over the prepared fields as they are (lower case, valid,
     * connection-neutral already: see {@link PreparedHeaders}), with no map to build, no entry per field and no
     * validation; the HPACK encoder only iterates it.
     */
    @Override
    protected Http2Headers preparedHead(PreparedHeaders fields, PreparedHeaders standard) {
        return ReadOnlyHttp2Headers.serverHeaders(false, HttpResponseStatus.OK.codeAsText(), fields.pairsWith(standard));
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
    protected Http2Headers emptyBlock(int fields) {
        return new DefaultHttp2Headers(false, fields);
    }
}
