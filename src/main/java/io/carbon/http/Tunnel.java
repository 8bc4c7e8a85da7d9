package io.carbon.http;

import io.netty.channel.ChannelPipeline;

import java.time.Duration;

/**
 * A route's way of taking over an exchange as a duplex byte stream (a WebSocket, later WebTransport or a
 * proxied CONNECT): the route answers with a {@link Response} carrying a tunnel and the protocol's tunnel
 * status ({@link HttpProtocol#tunnelStatus()}). The branch writes that head, turns the connection (HTTP/1.1) or
 * the stream (HTTP/2, HTTP/3) into a pipeline that reads and writes plain {@code ByteBuf}s, with the end of
 * the peer's side as end of input and a close as the end of ours, and then calls {@link #open}. So no
 * protocol branch knows what runs inside, and an upgrade goes through the same routing, decorators and
 * listeners as any other exchange.
 */
public interface Tunnel {

    /**
     * Installs the handlers that speak the tunnelled protocol, at the end of {@code pipeline}. Called once, on
     * the channel's event loop, after the response head was written and before the next read.
     */
    void open(ChannelPipeline pipeline);

    /**
     * How long a clean close of the tunnel waits for the peer to end its side before the branch resets the
     * stream (HTTP/2 and HTTP/3; on HTTP/1.1 the lingering close does this for the connection).
     */
    Duration closeWait();
}
