package io.carbon.server;

import io.carbon.config.Cidr;
import io.carbon.http.ClientConnection;
import io.carbon.logging.ServerLog;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * {@code proxy_protocol}: a TCP load balancer (HAProxy, AWS NLB, ...) puts a PROXY protocol v1 or v2 header
 * before the connection's own bytes (and before TLS), naming the client. Netty's decoder reads it; this handler
 * makes the named address the connection's client and leaves. Only a peer in {@code trusted_proxies} may speak
 * it: any other connection is closed at once, or anyone could claim any address. A connection without a valid
 * header is closed too. Per connection; the decoder and this handler remove themselves after the header.
 */
final class ProxyProtocol extends ChannelInboundHandlerAdapter {

    private final ServerLog log;

    private ProxyProtocol(ServerLog log) {
        this.log = log;
    }

    /**
     * Puts the decoder first in {@code channel}'s pipeline when the peer is trusted.
     *
     * @return false when the peer may not speak the PROXY protocol (the channel is closed)
     */
    static boolean install(Channel channel, List<Cidr> trusted, ServerLog log) {
        InetSocketAddress peer = (InetSocketAddress) channel.remoteAddress();
        if (!Cidr.anyContains(trusted, peer.getAddress().getAddress())) {
            if (log.isVerbose()) {
                log.verbose("PROXY protocol expected from a trusted proxy; closed a connection from " + peer);
            }
            channel.close();
            return false;
        }
        channel.pipeline().addFirst("proxy-protocol", new ProxyProtocol(log));
        channel.pipeline().addFirst("proxy-protocol-decoder", new HAProxyMessageDecoder());
        return true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header)) {
            ctx.fireChannelRead(msg); // the connection's own bytes, once the header was read
            return;
        }
        try {
            // LOCAL (the balancer's own health check) and UNKNOWN keep the peer's address.
            if (header.command() == HAProxyCommand.PROXY && header.sourceAddress() != null) {
                ClientConnection.attach(ctx.channel(), ClientConnection.of(ctx.channel())
                        .forwardedFor(new InetSocketAddress(header.sourceAddress(), header.sourcePort())));
            }
        } finally {
            ReferenceCountUtil.release(header);
        }
        ctx.pipeline().remove(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (log.isVerbose()) {
            log.verbose("no valid PROXY protocol header from " + ctx.channel().remoteAddress() + ": "
                    + cause.getMessage());
        }
        ctx.close();
    }
}
