package io.carbon.server;

import io.carbon.config.Http2Config;
import io.carbon.config.HttpConfig;
import io.carbon.config.ServerConfig;
import io.carbon.http.Exchanges;
import io.carbon.http1.Http1Codec;
import io.carbon.http1.Http1ConnectionHandler;
import io.carbon.http2.Http2Branch;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.util.AsciiString;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Builds the pipeline of a connection on the plain HTTP port, once the connection gate let it in: HTTP/1.1,
 * plus h2c by prior knowledge and by {@code Upgrade: h2c} (RFC 7540 §3.2) when HTTP/2 and h2c are enabled.
 */
final class PlainHttpInitializer extends ChannelInitializer<Channel> {

    private static final AsciiString H2C = AsciiString.cached("h2c");

    private final ConnectionGate gate;
    private final Supplier<Site> site;
    /** The current site's answers for this port, read per request. */
    private final Supplier<Exchanges> exchanges;
    private final boolean h2c;
    private final boolean extendedConnect;

    /**
     * @param site            what answers, as of the last reload; its protocol limits apply per connection
     * @param answers         which of the site's exchanges this port hands requests to
     * @param h2c             HTTP/2 without TLS is on (enable_http2 and enable_h2c)
     * @param extendedConnect true when a route tunnels extended CONNECT (RFC 8441) on this port
     */
    PlainHttpInitializer(ConnectionGate gate, Supplier<Site> site, Function<Site, Exchanges> answers, boolean h2c,
                         boolean extendedConnect) {
        this.gate = gate;
        this.site = site;
        this.exchanges = () -> answers.apply(site.get());
        this.h2c = h2c;
        this.extendedConnect = extendedConnect;
    }

    @Override
    protected void initChannel(Channel channel) {
        if (!gate.admit(channel, false)) {
            return;
        }
        ServerConfig config = site.get().config;
        HttpConfig http = config.http();
        Http2Config http2 = h2c ? config.http2() : null;
        Http1Codec codec = new Http1Codec(http.maxRequestLineLength(), http.maxHeaderSize());
        Http1ConnectionHandler http1 = new Http1ConnectionHandler(exchanges, http, false);
        if (http2 == null) {
            channel.pipeline().addLast("http1-codec", codec).addLast("http1", http1);
            return;
        }
        http1.upgradesToH2c(() -> new HttpServerUpgradeHandler(codec,
                protocol -> {
                    if (!AsciiString.contentEquals(H2C, protocol)) {
                        return null;
                    }
                    gate.negotiated(channel, true);
                    return Http2Branch.upgradeCodec(http2, http, exchanges, extendedConnect);
                },
                // The upgrade request's body must be buffered whole; GET/HEAD bodies are small or absent.
                (int) Math.min(http.maxBodySize(), 64 * 1024)));
        channel.pipeline()
                .addLast("h2c-prior-knowledge", new H2cPriorKnowledge(ctx -> {
                    ctx.pipeline().remove(codec);
                    ctx.pipeline().remove(http1);
                    gate.negotiated(ctx.channel(), true);
                    Http2Branch.configure(ctx.pipeline(), http2, http, exchanges, false, extendedConnect);
                }))
                .addLast("http1-codec", codec)
                .addLast("http1", http1);
    }
}
