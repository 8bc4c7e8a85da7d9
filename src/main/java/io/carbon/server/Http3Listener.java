package io.carbon.server;

import io.carbon.config.Http3Config;
import io.carbon.http3.Http3Branch;
import io.carbon.logging.ServerLog;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.handler.codec.quic.QuicCodecDispatcher;
import io.netty.handler.codec.quic.QuicConnectionIdGenerator;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicTokenHandler;
import io.netty.util.concurrent.EventExecutor;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The UDP side of HTTP/3. With epoll, one socket per worker loop on the same port (SO_REUSEPORT), as for TCP,
 * so QUIC's packet processing and crypto spread over every worker; Netty's {@link QuicCodecDispatcher} puts the
 * index of the socket that owns a connection into the connection ids it issues, and hands each packet to that
 * socket's codec whichever socket the kernel delivered it to. Without epoll, one socket.
 */
final class Http3Listener {

    private Http3Listener() {
    }

    /**
     * Binds {@code address} and returns the sockets (the first one's port is the bound port).
     *
     * @param connections the per-connection initializer (gate and HTTP/3 branch)
     */
    static List<Channel> bind(Transport transport, EventLoopGroup workers, InetSocketAddress address,
                              Http3Config config, QuicSslContext tls, QuicTokenHandler tokens,
                              ChannelHandler connections, ServerLog log) throws IOException {
        List<Channel> sockets = new ArrayList<>();
        try {
            if (transport.reusePort()) {
                InetSocketAddress exclusive = exclusive(address);
                QuicCodecDispatcher dispatcher = new QuicCodecDispatcher() {
                    @Override
                    protected void initChannel(Channel channel, int localConnectionIdLength,
                                               QuicConnectionIdGenerator idGenerator) {
                        channel.pipeline().addLast(Http3Branch.codec(config, tls, tokens, connections)
                                .localConnectionIdLength(localConnectionIdLength)
                                .connectionIdAddressGenerator(idGenerator)
                                .build());
                    }
                };
                for (EventExecutor executor : workers) {
                    sockets.add(bootstrap(transport, (EventLoop) executor, config, dispatcher)
                            .option(EpollChannelOption.SO_REUSEPORT, true)
                            .bind(exclusive).syncUninterruptibly().channel());
                }
            } else {
                sockets.add(bootstrap(transport, workers, config,
                        Http3Branch.codec(config, tls, tokens, connections).build())
                        .bind(address).syncUninterruptibly().channel());
            }
        } catch (RuntimeException e) {
            sockets.forEach(Channel::close);
            throw new IOException("cannot listen on UDP " + address + " (HTTP/3): " + e.getMessage(), e);
        }
        warnIfBuffersCapped(sockets.get(0), config, log);
        return sockets;
    }

    private static Bootstrap bootstrap(Transport transport, EventLoopGroup group, Http3Config config,
                                       ChannelHandler handler) {
        return new Bootstrap()
                .group(group)
                .channel(transport.datagramChannel())
                .option(ChannelOption.SO_RCVBUF, config.udpBufferSize())
                .option(ChannelOption.SO_SNDBUF, config.udpBufferSize())
                .handler(handler);
    }

    /**
     * Binds the port once without SO_REUSEPORT first, so that a port held by another process fails with
     * "address in use" rather than being shared silently (as for TCP).
     */
    private static InetSocketAddress exclusive(InetSocketAddress address) throws IOException {
        try (DatagramSocket probe = new DatagramSocket(null)) {
            probe.bind(address);
            return new InetSocketAddress(address.getAddress(), probe.getLocalPort());
        }
    }

    /**
     * The kernel silently caps socket buffers at net.core.rmem_max / wmem_max (208 KiB on many systems): too
     * small for QUIC at speed, which then drops packets under load (quic-go and Caddy warn about the same).
     * Linux reports twice the size it granted.
     */
    private static void warnIfBuffersCapped(Channel socket, Http3Config config, ServerLog log) {
        Integer received = socket.config().getOption(ChannelOption.SO_RCVBUF);
        Integer sent = socket.config().getOption(ChannelOption.SO_SNDBUF);
        int wanted = config.udpBufferSize();
        if (received != null && received / 2 < wanted || sent != null && sent / 2 < wanted) {
            log.warn("HTTP/3: asked for UDP buffers of " + wanted + " bytes (http3_udp_buffer_size), the kernel gave "
                    + (received == null ? "?" : received / 2) + " (receive) and " + (sent == null ? "?" : sent / 2)
                    + " (send): raise net.core.rmem_max and net.core.wmem_max (sysctl -w net.core.rmem_max="
                    + wanted + " net.core.wmem_max=" + wanted + ") or HTTP/3 will drop packets under load");
        }
    }
}
