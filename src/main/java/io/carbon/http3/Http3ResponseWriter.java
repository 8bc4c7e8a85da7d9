package io.carbon.http3;

import io.carbon.http.HeaderBlockResponseWriter;
import io.carbon.http.StreamOutput;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3Headers;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.quic.QuicStreamChannel;

/**
 * A response on an HTTP/3 request stream: the stream's FIN after the last frame ends it (RFC 9114 §4.1), sent by
 * shutting its output down. QUIC has no sendfile; flow control paces the DATA frames.
 */
final class Http3ResponseWriter extends HeaderBlockResponseWriter<Http3Headers> {

    Http3ResponseWriter(StreamOutput out) {
        super(out);
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

    @Override
    protected Http3Headers emptyBlock(int fields) {
        return new DefaultHttp3Headers(false, fields);
    }
}
