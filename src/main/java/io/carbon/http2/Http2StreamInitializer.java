package io.carbon.http2;

import io.carbon.config.HttpConfig;
import io.carbon.http.Exchanges;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;

import java.util.function.Supplier;

/**
 * Gives each stream channel the multiplexer makes (only extended CONNECT streams, see
 * {@link Http2RequestStreams}) its own {@link Http2StreamHandler}. One per connection; the multiplexer requires
 * a sharable initializer, and it holds no per-stream state.
 */
@ChannelHandler.Sharable
final class Http2StreamInitializer extends ChannelInitializer<Channel> {

    private final Supplier<Exchanges> exchanges;
    private final HttpConfig http;
    private final boolean secure;
    private final boolean extendedConnect;
    private final Http2RequestStreams connection;

    /** @param extendedConnect true when extended CONNECT (RFC 8441) is advertised */
    Http2StreamInitializer(Supplier<Exchanges> exchanges, HttpConfig http, boolean secure, boolean extendedConnect,
                           Http2RequestStreams connection) {
        this.exchanges = exchanges;
        this.http = http;
        this.secure = secure;
        this.extendedConnect = extendedConnect;
        this.connection = connection;
    }

    @Override
    protected void initChannel(Channel stream) {
        stream.pipeline().addLast(new Http2StreamHandler(exchanges, http, secure, extendedConnect, connection));
    }
}
