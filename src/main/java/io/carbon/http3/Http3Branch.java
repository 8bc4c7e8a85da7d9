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
import io.netty.handler.codec.http3.Http3SettingsFrame;
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
        return Http3.newQuicServerCodecBuilder()
                .sslContext(tls)
                .maxIdleTimeout(config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .initialMaxData(config.connectionWindow())
                .initialMaxStreamDataBidirectionalRemote(config.streamWindow())
                .initialMaxStreamDataBidirectionalLocal(config.streamWindow())
                .initialMaxStreamsBidirectional(config.maxStreams())
                .initialMaxStreamsUnidirectional(UNIDIRECTIONAL_STREAMS)
                .initialMaxStreamDataUnidirectional(Math.max(Http3.MIN_INITIAL_MAX_STREAM_DATA_UNIDIRECTIONAL,
                        64 * 1024))
                .congestionControlAlgorithm(switch (config.congestionControl()) {
                    case CUBIC -> QuicCongestionControlAlgorithm.CUBIC;
                    case RENO -> QuicCongestionControlAlgorithm.RENO;
                    case BBR -> QuicCongestionControlAlgorithm.BBR;
                })
                .tokenHandler(tokens)
                .handler(connections);
    }

    /**
     * Sets up an admitted QUIC connection: HTTP/3 with a request stream handler per stream, reading the current
     * exchanges per request, and the drain on shutdown (GOAWAY).
     */
    /** @param extendedConnect a route tunnels (WebSocket): SETTINGS_ENABLE_CONNECT_PROTOCOL is sent (RFC 9220 §3) */
    public static void configure(ChannelPipeline pipeline, Supplier<Exchanges> exchanges, HttpConfig http,
                                 boolean extendedConnect) {
        Http3Drain drain = new Http3Drain();
        // RFC 9114 §4.2.2: the largest field section a client may send (max_header_size, as on HTTP/1.1 and 2).
        DefaultHttp3SettingsFrame settings = new DefaultHttp3SettingsFrame();
        settings.put(Http3SettingsFrame.HTTP3_SETTINGS_MAX_FIELD_SECTION_SIZE, (long) http.maxHeaderSize());
        if (extendedConnect) {
            settings.put(Http3SettingsFrame.HTTP3_SETTINGS_ENABLE_CONNECT_PROTOCOL, 1L);
        }
        pipeline.addLast("h3-connection", new Http3ServerConnectionHandler(new ChannelInitializer<QuicStreamChannel>() {
            @Override
            protected void initChannel(QuicStreamChannel stream) {
                drain.streamOpened(stream);
                stream.pipeline().addLast(new Http3StreamHandler(exchanges, http, extendedConnect));
            }
        }, null, null, settings, true)); // true: no QPACK dynamic table (no table state a client can bloat)
        pipeline.addLast("h3-drain", drain);
    }
}
