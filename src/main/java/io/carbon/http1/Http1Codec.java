package io.carbon.http1;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;

/**
 * HTTP/1.1 server codec: the strict request decoder plus Netty's response encoder. It can be the source of
 * a protocol upgrade (h2c), like Netty's own HttpServerCodec.
 */
public final class Http1Codec extends CombinedChannelDuplexHandler<StrictRequestDecoder, HttpResponseEncoder>
        implements HttpServerUpgradeHandler.SourceCodec {

    /**
     * @param maxRequestLine longest request line accepted (longer: 414)
     * @param maxHeaderSize  largest header section accepted (larger: 431)
     */
    public Http1Codec(int maxRequestLine, int maxHeaderSize) {
        super(new StrictRequestDecoder(new HttpDecoderConfig()
                        .setMaxInitialLineLength(maxRequestLine)
                        .setMaxHeaderSize(maxHeaderSize)
                        .setMaxChunkSize(64 * 1024)
                        .setValidateHeaders(true)
                        .setAllowDuplicateContentLengths(false)
                        .setStrictLineParsing(true)),
                new HttpResponseEncoder());
    }

    /** True while part of a request head has arrived and the rest has not (the header timeout runs). */
    public boolean headStarted() {
        return inboundHandler().headStarted();
    }

    @Override
    public void upgradeFrom(ChannelHandlerContext ctx) {
        ctx.pipeline().remove(this);
    }
}
