package io.carbon.http2;

import io.carbon.config.Http2Config;
import io.carbon.config.HttpConfig;
import io.carbon.http.Exchanges;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;

import java.util.function.Supplier;

/**
 * The HTTP/2 branch of a connection (RFC 9113): Netty's frame codec with Carbon's settings and abuse bounds, {@link
 * Http2RequestStreams}, which answers request streams on the connection's own pipeline (one handler per connection,
 * plain state per stream, one flush per read batch) and hands them to the same {@link Exchanges} as HTTP/1.1, a
 * multiplexer that gives only extended CONNECT streams (RFC 8441 tunnels) a stream channel with an {@link
 * Http2StreamHandler}, and a connection handler (connection window, graceful drain). The server's pipeline assembly
 * calls this after ALPN chose "h2", for h2c prior knowledge, or through {@link #upgradeCodec} for {@code Upgrade:
 * h2c}.
 */
public final class Http2Branch {

    /**
     * SETTINGS and PING frames (which Netty answers with ACKs) the client may make us queue before the
     * connection is closed: a peer that does not read its ACKs is flooding us (CVE-2019-9512, -9515).
     */
    static final int MAX_QUEUED_CONTROL_FRAMES = 10_000;
    /** DATA frames without payload and without END_STREAM in a row (CVE-2019-9518). */
    static final int MAX_CONSECUTIVE_EMPTY_DATA_FRAMES = 2;
    /** Small CONTINUATION frames in a row before Netty closes the connection (CONTINUATION flood, 2024). */
    static final int MAX_SMALL_CONTINUATION_FRAMES = 16;

    private Http2Branch() {
    }

    /**
     * Adds the HTTP/2 handlers to a connection whose next bytes are the client connection preface.
     *
     * @param extendedConnect true when a route answers extended CONNECT with a tunnel (RFC 8441: WebSocket is
     *                        on), so SETTINGS_ENABLE_CONNECT_PROTOCOL is advertised
     */
    public static void configure(ChannelPipeline pipeline, Http2Config h2, HttpConfig http, Supplier<Exchanges> exchanges,
                                 boolean secure, boolean extendedConnect) {
        Http2StreamStateGuard guard = new Http2StreamStateGuard();
        Http2RequestStreams streams = new Http2RequestStreams(exchanges, http, secure, extendedConnect);
        pipeline.addLast("h2-codec", frameCodec(h2, http, extendedConnect, guard));
        pipeline.addLast("h2-streams", streams);
        pipeline.addLast("h2-multiplex", multiplexer(http, exchanges, secure, extendedConnect, streams));
        pipeline.addLast("h2-connection", new Http2ConnectionControl(h2, http, guard));
    }

    /**
     * For {@code Upgrade: h2c} on the plain port (RFC 7540 §3.2; RFC 9113 §3.1 deprecates it but clients
     * still send it). Netty answers 101, then hands the upgraded request to {@link Http2RequestStreams} as HEADERS on
     * stream 1, which is answered over HTTP/2 like any other stream.
     */
    public static Http2ServerUpgradeCodec upgradeCodec(Http2Config h2, HttpConfig http, Supplier<Exchanges> exchanges,
                                                       boolean extendedConnect) {
        Http2StreamStateGuard guard = new Http2StreamStateGuard();
        Http2RequestStreams streams = new Http2RequestStreams(exchanges, http, false, extendedConnect);
        return new Http2ServerUpgradeCodec(frameCodec(h2, http, extendedConnect, guard), streams,
                multiplexer(http, exchanges, false, extendedConnect, streams),
                new Http2ConnectionControl(h2, http, guard));
    }

    /** @param guard the connection's frame-level watcher (stream states, window updates), one per connection */
    static Http2FrameCodec frameCodec(Http2Config h2, HttpConfig http, boolean extendedConnect,
                                      Http2StreamStateGuard guard) {
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxConcurrentStreams(h2.maxConcurrentStreams())
                .initialWindowSize(h2.initialWindowSize())
                .maxFrameSize(h2.maxFrameSize())
                // SETTINGS_ENABLE_PUSH is left out: Netty refuses to send it from a server (a server has no
                // use for it, RFC 9113 §6.5.2), and push is never used (RFC 9113 §8.4).
                .maxHeaderListSize(http.maxHeaderSize());
        if (extendedConnect) {
            // RFC 8441 §3: advertised only when there is something to CONNECT to (a route that tunnels).
            settings.connectProtocolEnabled(true);
        }
        Http2FrameCodec codec = new ServerCodecBuilder()
                .frameLogger(guard)
                .initialSettings(settings)
                .validateHeaders(true)
                .validateRequiredPseudoHeaders(true)
                // Rapid reset (CVE-2023-44487): too many RST_STREAM per window -> GOAWAY ENHANCE_YOUR_CALM.
                .decoderEnforceMaxRstFramesPerWindow(h2.maxResets(), (int) h2.resetWindow().toSeconds())
                .encoderEnforceMaxQueuedControlFrames(MAX_QUEUED_CONTROL_FRAMES)
                .decoderEnforceMaxConsecutiveEmptyDataFrames(MAX_CONSECUTIVE_EMPTY_DATA_FRAMES)
                // A header block is bounded by SETTINGS_MAX_HEADER_LIST_SIZE however it is split over
                // CONTINUATION frames; many tiny ones are refused before the block grows that large.
                .decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATION_FRAMES)
                // Closing the connection (drain) sends GOAWAY and lets open streams finish (RFC 9113 §6.8).
                .gracefulShutdownTimeoutMillis(http.keepAliveTimeout().toMillis())
                .build();
        guard.watch(codec.connection());
        return codec;
    }

    /**
     * Netty's server codec builder, on a connection whose outbound flow control shares the windows out with a
     * {@link UniformStreamByteDistributor} instead of the default {@code WeightedFairQueueByteDistributor}: RFC 9113
     * §5.3.2 deprecates the priority scheme that one implements (a server need not honour it; Carbon does not
     * prioritise on HTTP/3 either), and keeping its dependency tree (a priority queue and tree bookkeeping per stream, a
     * pass over the tree on every flush) took 3.3% of the CPU samples of h2load on a cached 1 KB file, against 1.2%
     * for the uniform one (async-profiler, h2c). Flow control itself is unchanged: the controller still sends only
     * what the stream's and the connection's windows allow.
     */
    private static final class ServerCodecBuilder extends Http2FrameCodecBuilder {
        ServerCodecBuilder() {
            // As forServer(): a server connection (the connection says so; the builder may not be told again).
            DefaultHttp2Connection connection = new DefaultHttp2Connection(true);
            connection.remote().flowController(new DefaultHttp2RemoteFlowController(connection,
                    new UniformStreamByteDistributor(connection)));
            connection(connection);
        }
    }

    /** Makes stream channels for extended CONNECT streams only; {@link Http2RequestStreams} answers the rest. */
    private static Http2MultiplexHandler multiplexer(HttpConfig http, Supplier<Exchanges> exchanges, boolean secure,
                                                     boolean extendedConnect, Http2RequestStreams streams) {
        return new Http2MultiplexHandler(new Http2StreamInitializer(exchanges, http, secure, extendedConnect,
                streams));
    }
}
