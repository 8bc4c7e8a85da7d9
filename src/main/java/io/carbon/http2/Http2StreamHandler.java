package io.carbon.http2;

import io.carbon.config.HttpConfig;
import io.carbon.http.Exchanges;
import io.carbon.http.StreamOutput;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;

import java.util.function.Supplier;

/**
 * The extended CONNECT stream (RFC 8441) on a stream channel of its own, which {@link Http2RequestStreams} hands
 * to Netty's multiplexer because a tunnel installs its handlers into a pipeline: the request is the same
 * {@link Http2RequestStream} as on any other stream (the stream channel returns DATA bytes to flow control as it
 * reads them); once the tunnel opened, {@link Http2StreamTunnel} and the tunnel's handlers replace this one.
 * Per-stream state: never shared.
 */
final class Http2StreamHandler extends ChannelInboundHandlerAdapter {

    private final Supplier<Exchanges> exchanges;
    private final HttpConfig config;
    private final boolean secure;
    private final boolean extendedConnect;
    private final Http2RequestStreams connection;
    private ChannelHandlerContext ctx;
    private Http2RequestStream stream;

    Http2StreamHandler(Supplier<Exchanges> exchanges, HttpConfig config, boolean secure, boolean extendedConnect,
                       Http2RequestStreams connection) {
        this.exchanges = exchanges;
        this.config = config;
        this.secure = secure;
        this.extendedConnect = extendedConnect;
        this.connection = connection;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        stream = new Http2RequestStream(exchanges, config, secure, extendedConnect, StreamOutput.of(ctx),
                ctx.channel(), ctx);
        if (connection != null) {
            connection.streamChannelOpened(ctx.channel());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2HeadersFrame headers) {
                stream.onHeaders(headers);
            } else if (msg instanceof Http2DataFrame data) {
                stream.onData(data);
            } else if (msg instanceof Http2ResetFrame) {
                stream.onReset();
            }
        } finally {
            // DATA frames are released here; their bytes went back to flow control when the channel read them.
            ReferenceCountUtil.release(msg);
        }
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
        Http2Exception.StreamException streamError = Http2RequestStreams.streamError(cause);
        if (streamError != null) {
            // The multiplexer closes this channel right after, which would send RST_STREAM(CANCEL).
            stream.onStreamError(streamError.error());
            return;
        }
        stream.onReset();
        ctx.close();
    }

    /** The stream this handler serves, for diagnostics. */
    @Override
    public String toString() {
        return "Http2StreamHandler[" + (ctx != null && ctx.channel() instanceof Http2StreamChannel s
                ? s.stream().id() : "?") + "]";
    }
}
