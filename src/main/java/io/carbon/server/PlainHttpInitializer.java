package io.carbon.server;

import io.carbon.config.HttpConfig;
import io.carbon.http.Exchanges;
import io.carbon.http1.Http1Codec;
import io.carbon.http1.Http1ConnectionHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;

/**
 * Builds the pipeline of a connection on the plain HTTP port, once the connection gate let it in.
 */
final class PlainHttpInitializer extends ChannelInitializer<Channel> {

    private final ConnectionGate gate;
    private final Exchanges exchanges;
    private final HttpConfig http;

    PlainHttpInitializer(ConnectionGate gate, Exchanges exchanges, HttpConfig http) {
        this.gate = gate;
        this.exchanges = exchanges;
        this.http = http;
    }

    @Override
    protected void initChannel(Channel channel) {
        if (!gate.admit(channel)) {
            return;
        }
        channel.pipeline().addLast("http1-codec", new Http1Codec(http.maxRequestLineLength(), http.maxHeaderSize()));
        channel.pipeline().addLast("http1", new Http1ConnectionHandler(exchanges, http, false));
    }
}
