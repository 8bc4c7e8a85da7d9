package io.carbon.server;

import io.carbon.config.Http2Config;
import io.carbon.config.HttpConfig;
import io.carbon.http.ClientConnection;
import io.carbon.http.Exchanges;
import io.carbon.http1.Http1Codec;
import io.carbon.http1.Http1ConnectionHandler;
import io.carbon.http2.Http2Branch;
import io.carbon.logging.ServerLog;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import java.io.IOException;
import java.util.function.Supplier;

/**
 * Builds the pipeline of a connection on the TLS port: TLS (with the certificate current at accept time, so a
 * reload takes effect for new handshakes), then ALPN picks HTTP/2 ({@code h2}) or HTTP/1.1.
 */
final class TlsInitializer extends ChannelInitializer<Channel> {

    private final ConnectionGate gate;
    private final Supplier<Site> site;
    /** The current site's answers, read per request. */
    private final Supplier<Exchanges> exchanges;
    private final boolean http2On;
    private final ServerLog log;
    private final boolean extendedConnect;

    /**
     * @param site            what answers, as of the last reload: its certificate and protocol limits apply per
     *                        connection
     * @param http2On         HTTP/2 is on (ALPN offers h2; otherwise only http/1.1)
     * @param extendedConnect true when a route tunnels extended CONNECT (RFC 8441)
     */
    TlsInitializer(ConnectionGate gate, Supplier<Site> site, boolean http2On, ServerLog log,
                   boolean extendedConnect) {
        this.gate = gate;
        this.site = site;
        this.exchanges = () -> site.get().exchanges;
        this.http2On = http2On;
        this.extendedConnect = extendedConnect;
        this.log = log;
    }

    @Override
    protected void initChannel(Channel channel) {
        if (!gate.admit(channel, true)) {
            return;
        }
        Site current = site.get();
        SslHandler ssl = current.tls.newHandler(channel.alloc());
        // A client that connects and never completes the handshake is held no longer than this.
        ssl.setHandshakeTimeoutMillis(current.config.tls().handshakeTimeout().toMillis());
        channel.pipeline().addLast("tls", ssl).addLast("alpn",
                new ProtocolSwitch(current.config.http(), http2On ? current.config.http2() : null));
    }

    /**
     * Installs the branch ALPN chose; no ALPN at all means HTTP/1.1. Until then it is the last handler, so it
     * handles every exception itself: Netty's own {@code exceptionCaught} would log a WARN and pass the
     * exception on to the tail of the pipeline, which logs another, and a client can trigger both at will.
     */
    private final class ProtocolSwitch extends ApplicationProtocolNegotiationHandler {

        private final HttpConfig http;
        private final Http2Config http2;

        /** @param http2 HTTP/2 settings, or null when HTTP/2 is off */
        ProtocolSwitch(HttpConfig http, Http2Config http2) {
            super(ApplicationProtocolNames.HTTP_1_1);
            this.http = http;
            this.http2 = http2;
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            SSLSession session = ctx.pipeline().get(SslHandler.class).engine().getSession();
            ClientConnection.attach(ctx.channel(), ClientConnection.of(ctx.channel())
                    .withTls(session.getProtocol(), session.getCipherSuite()));
            boolean h2 = ApplicationProtocolNames.HTTP_2.equals(protocol) && http2 != null;
            gate.negotiated(ctx.channel(), h2);
            if (h2) {
                Http2Branch.configure(ctx.pipeline(), http2, http, exchanges, true, extendedConnect);
                return;
            }
            ctx.pipeline()
                    .addLast("http1-codec", new Http1Codec(http.maxRequestLineLength(), http.maxHeaderSize()))
                    .addLast("http1", new Http1ConnectionHandler(exchanges, http, true));
        }

        /**
         * While the handshake goes on, what the client sends is acknowledged at once. After the server's flight
         * (TLS 1.3: ServerHello to Finished, written during this read) the kernel would delay its ACK of what the
         * client sends next, up to 40 ms, hoping to ride on the server's next write, and the server has nothing to
         * write until the request: BoringSSL holds its NewSessionTickets back until the response (OpenSSL sends
         * them at once). A client that leaves Nagle's algorithm on (ab, scripts; browsers and curl turn it off)
         * holds each small write back until the previous one is acknowledged: its request behind its Finished
         * (OpenSSL: ab), or its Finished behind its ChangeCipherSpec (the JDK), so every such connection stalled
         * 40 ms (ab -c 1: 23 requests/s, 1,100 with this; at -c 50, 0.6x of nginx, about 1x with this).
         * TCP_QUICKACK after the flight costs one setsockopt (or two, when the ClientHello took two reads) and
         * at most a small segment per client flight. This handler leaves the pipeline when the handshake ends.
         */
        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
            Transport.quickAck(ctx.channel());
            super.channelReadComplete(ctx);
        }

        /**
         * Counts the handshake's end here: SslHandler fires this event exactly once per connection, whether the
         * handshake succeeded, failed, timed out or the client left during it, while a failure may also reach
         * {@link #exceptionCaught} and {@link #handshakeFailure} more than once.
         */
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent handshake) {
                gate.tlsHandshake(handshake.isSuccess());
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            if (log.isVerbose()) {
                log.verbose("TLS handshake failed with " + ctx.channel().remoteAddress() + ": " + cause.getMessage());
            }
            ctx.close();
        }

        /**
         * An I/O error or a failed handshake before a branch exists is the peer's doing (a reset, an alert, plain
         * HTTP on the TLS port): a verbose line at most, then close. Anything else is a bug worth a WARN. The
         * exception is not passed on, as nothing after this handler would handle it. This handler stays in the
         * pipeline while the connection closes, so a late error (a reset while close_notify is written) lands
         * here again instead of at the tail.
         */
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // SslHandler reports a failed handshake as a DecoderException around the SSLException (plain HTTP on
            // the TLS port too: NotSslRecordException is one).
            Throwable reason = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
            if (reason instanceof SSLException) {
                handshakeFailure(ctx, reason);
            } else if (reason instanceof IOException) {
                if (log.isVerbose()) {
                    log.verbose("connection from " + ctx.channel().remoteAddress() + " failed before ALPN: " + reason);
                }
                ctx.close();
            } else {
                log.log(ServerLog.Level.WARN, "unexpected error on the TLS connection from "
                        + ctx.channel().remoteAddress() + " before ALPN: " + cause, cause);
                ctx.close();
            }
        }
    }
}
