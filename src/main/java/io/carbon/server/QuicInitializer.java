package io.carbon.server;

import io.carbon.config.ServerConfig;
import io.carbon.http.Exchanges;
import io.carbon.http3.Http3Branch;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.quic.QuicChannel;

import java.net.InetSocketAddress;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Sets up each new QUIC connection on the HTTP/3 port once its handshake began: the connection gate (the same
 * limits as TCP, by the client's UDP address), then the HTTP/3 branch reading the current site per request.
 */
final class QuicInitializer extends ChannelInitializer<QuicChannel> {

    private final ConnectionGate gate;
    private final Supplier<Site> site;
    private final Supplier<Exchanges> exchanges;
    private final BooleanSupplier draining;
    private final boolean extendedConnect;

    /**
     * @param draining        true once shutdown began: new connections are closed at once
     * @param extendedConnect a route tunnels (WebSocket over HTTP/3, RFC 9220)
     */
    QuicInitializer(ConnectionGate gate, Supplier<Site> site, BooleanSupplier draining, boolean extendedConnect) {
        this.gate = gate;
        this.site = site;
        this.draining = draining;
        this.extendedConnect = extendedConnect;
        this.exchanges = () -> site.get().exchanges;
    }

    @Override
    protected void initChannel(QuicChannel channel) {
        if (draining.getAsBoolean() || !(channel.remoteSocketAddress() instanceof InetSocketAddress remote)
                || !gate.admitQuic(channel, remote)) {
            channel.close();
            return;
        }
        ServerConfig config = site.get().config;
        Http3Branch.configure(channel.pipeline(), exchanges, config.http(), extendedConnect, config.http3());
    }
}
