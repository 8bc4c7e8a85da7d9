package io.carbon.http2;

import io.carbon.http.StreamTunnel;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * An HTTP/2 stream as a tunnel's byte stream (RFC 8441 §5): END_STREAM is the FIN both ways; closing a stream
 * still open makes Netty send RST_STREAM. The stream channel returns window as the tunnel reads.
 */
final class Http2StreamTunnel extends StreamTunnel {

    Http2StreamTunnel(long closeWaitNanos) {
        super(closeWaitNanos);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2DataFrame data) {
            boolean end = data.isEndStream();
            deliver(ctx, data.content());
            data.release();
            if (end) {
                remoteEnded();
            }
            return;
        }
        if (msg instanceof Http2HeadersFrame headers && headers.isEndStream()) {
            remoteEnded(); // trailers: nothing in them matters, but they end the peer's side
        }
        ReferenceCountUtil.release(msg);
    }

    @Override
    protected Object dataFrame(ByteBuf bytes) {
        return new DefaultHttp2DataFrame(bytes, false);
    }

    @Override
    protected void endOutput(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(new DefaultHttp2DataFrame(true));
    }
}
