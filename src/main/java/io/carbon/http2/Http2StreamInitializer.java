package io.carbon.http2;

import io.carbon.config.HttpConfig;
import io.carbon.http.Exchanges;
import io.carbon.websocket.WebSocketService;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;

/**
 * Gives each new stream channel its own {@link Http2StreamHandler}. Stateless itself, so one instance serves
 * every stream of a connection (the multiplexer requires a sharable initializer).
 */
@ChannelHandler.Sharable
final class Http2StreamInitializer extends ChannelInitializer<Channel> {

    private final Exchanges exchanges;
    private final HttpConfig http;
    private final boolean secure;
    private final WebSocketService websockets;

    /** @param websockets null when WebSocket is off */
    Http2StreamInitializer(Exchanges exchanges, HttpConfig http, boolean secure, WebSocketService websockets) {
        this.exchanges = exchanges;
        this.http = http;
        this.secure = secure;
        this.websockets = websockets;
    }

    @Override
    protected void initChannel(Channel stream) {
        stream.pipeline().addLast(new Http2StreamHandler(exchanges, http, secure, websockets));
    }
}
