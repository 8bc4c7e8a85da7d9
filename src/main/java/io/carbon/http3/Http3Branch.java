package io.carbon.http3;

import io.carbon.config.Http3Config;
import io.carbon.config.HttpConfig;
import io.carbon.http.Exchanges;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http3.DefaultHttp3SettingsFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ServerConnectionHandler;
import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicTokenHandler;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The HTTP/3 branch: the QUIC server codec with Carbon's transport parameters, and, on each QUIC connection
 * the server admitted, Netty's HTTP/3 connection handler (control and QPACK streams, SETTINGS, GOAWAY) whose
 * request streams are translated to exchanges by {@link Http3StreamHandler}.
 */
public final class Http3Branch {

    /**
     * Unidirectional streams a client may open: its control stream and QPACK encoder and decoder streams (RFC 9114
     * §6.2, RFC 9204 §4.2), plus room for the push and reserved types it may try.
     */
    private static final int UNIDIRECTIONAL_STREAMS = 8;

    /** QUIC datagrams queued per connection, each way, before more are dropped (they are unreliable anyway). */
    private static final int DATAGRAM_QUEUE = 128;

    private Http3Branch() {
    }

    /**
     * The QUIC server codec's settings, before each listener sets its connection id generator.
     *
     * @param tls         the certificate for new handshakes (a reload swaps what it returns)
     * @param tokens      address validation (RFC 9000 §8.1): a Retry round trip with signed tokens, or none
     * @param connections called for each new QUIC connection, to admit it and set up its pipeline
     */
    public static QuicServerCodecBuilder codec(Http3Config config, QuicSslContext tls, QuicTokenHandler tokens,
                                               ChannelHandler connections) {
        QuicServerCodecBuilder builder = Http3.newQuicServerCodecBuilder()
                .sslContext(tls)
                .maxIdleTimeout(config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .initialMaxData(config.connectionWindow())
                .initialMaxStreamDataBidirectionalRemote(config.streamWindow())
                .initialMaxStreamDataBidirectionalLocal(config.streamWindow())
                .initialMaxStreamsBidirectional(config.maxStreams())
                // WebTransport's unidirectional streams come on top of HTTP/3's own.
                .initialMaxStreamsUnidirectional(UNIDIRECTIONAL_STREAMS
                        + (config.webTransport() ? config.webTransportMaxStreams() : 0))
                .initialMaxStreamDataUnidirectional(Math.max(Http3.MIN_INITIAL_MAX_STREAM_DATA_UNIDIRECTIONAL,
                        64 * 1024))
                .congestionControlAlgorithm(switch (config.congestionControl()) {
                    case CUBIC -> QuicCongestionControlAlgorithm.CUBIC;
                    case RENO -> QuicCongestionControlAlgorithm.RENO;
                    case BBR -> QuicCongestionControlAlgorithm.BBR;
                })
                .tokenHandler(tokens)
                .handler(connections);
        if (config.webTransport()) {
            // RFC 9221: datagrams (max_datagram_frame_size > 0), queued briefly both ways, dropped beyond.
            builder.datagram(DATAGRAM_QUEUE, DATAGRAM_QUEUE);
        }
        return builder;
    }

    /**
     * Sets up an admitted QUIC connection: HTTP/3 with a request stream handler per stream, reading the current
     * exchanges per request, WebTransport sessions when on, and the drain on shutdown (GOAWAY).
     *
     * @param extendedConnect a route tunnels (WebSocket): SETTINGS_ENABLE_CONNECT_PROTOCOL is sent (RFC 9220 §3)
     */
    public static void configure(ChannelPipeline pipeline, Supplier<Exchanges> exchanges, HttpConfig http,
                                 boolean extendedConnect, Http3Config config) {
        Http3Drain drain = new Http3Drain();
        WebTransportSessions webTransport = config.webTransport()
                ? new WebTransportSessions(config.webTransportMaxSessions(), config.webTransportMaxStreams()) : null;
        DefaultHttp3SettingsFrame settings = WebTransportSettings.local(http, extendedConnect, config);
        pipeline.addLast("h3-connection", new Http3ServerConnectionHandler(new ChannelInitializer<QuicStreamChannel>() {
            @Override
            protected void initChannel(QuicStreamChannel stream) {
                drain.streamOpened(stream);
                if (webTransport != null) {
                    // Before Netty's HTTP/3 codec: see WebTransportStreamSignal for why.
                    stream.pipeline().addFirst("wt-signal", new WebTransportStreamSignal(webTransport, true));
                }
                stream.pipeline().addLast(new Http3StreamHandler(exchanges, http, extendedConnect, webTransport));
            }
        }, null, webTransport == null ? null : webTransport::unidirectional, settings,
                true, // no QPACK dynamic table (no table state a client can bloat)
                WebTransportSettings::keep));
        if (webTransport != null) {
            pipeline.addLast("wt-sessions", webTransport);
        }
        pipeline.addLast("h3-drain", drain);
    }
}
