package io.carbon.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A real HTTP/3 client (Netty's) for end-to-end tests: one QUIC connection, any number of request streams. */
public final class H3Client implements AutoCloseable {

    /**
     * A complete response, or how the stream ended without one.
     *
     * @param headers the final response's fields, with {@code :status}
     */
    public record Reply(int status, Http3Headers headers, byte[] body) {
        public String header(String name) {
            CharSequence value = headers.get(name);
            return value == null ? null : value.toString();
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel socket;
    private final QuicChannel quic;
    private final int port;

    public H3Client(int port) throws Exception {
        this(port, 16L * 1024 * 1024, 4L * 1024 * 1024);
    }

    /** With the client's own flow-control credit: small windows make the server wait for credit. */
    public H3Client(int port, long connectionWindow, long streamWindow) throws Exception {
        this.port = port;
        QuicSslContext tls = QuicSslContextBuilder.forClient()
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .applicationProtocols(Http3.supportedApplicationProtocols()).build();
        try {
            socket = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                    .handler(Http3.newQuicClientCodecBuilder().sslContext(tls)
                            .maxIdleTimeout(10, TimeUnit.SECONDS)
                            .initialMaxData(connectionWindow)
                            .initialMaxStreamDataBidirectionalLocal(streamWindow)
                            .build())
                    .bind(0).sync().channel();
            quic = QuicChannel.newBootstrap(socket).handler(new Http3ClientConnectionHandler())
                    .remoteAddress(new InetSocketAddress("127.0.0.1", port))
                    .connect().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    public QuicChannel connection() {
        return quic;
    }

    /** Sends a GET and waits for the whole response. */
    public Reply get(String path, String... headerPairs) throws Exception {
        return request("GET", path, null, headerPairs).get(20, TimeUnit.SECONDS);
    }

    /**
     * Sends a request (with a body when {@code body} is not null) on a new stream; the future completes with the
     * response once the server ended the stream, or fails if the stream was reset.
     */
    public CompletableFuture<Reply> request(String method, String path, byte[] body, String... headerPairs)
            throws Exception {
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        QuicStreamChannel stream = Http3.newRequestStream(quic, new Collector(reply)).sync().getNow();
        DefaultHttp3HeadersFrame head = new DefaultHttp3HeadersFrame();
        head.headers().method(method).path(path).scheme("https").authority("127.0.0.1:" + port);
        for (int i = 0; i + 1 < headerPairs.length; i += 2) {
            head.headers().add(headerPairs[i], headerPairs[i + 1]);
        }
        if (body == null) {
            stream.writeAndFlush(head).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
        } else {
            stream.write(head);
            stream.writeAndFlush(new DefaultHttp3DataFrame(io.netty.buffer.Unpooled.wrappedBuffer(body)))
                    .addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
        }
        return reply;
    }

    /** Opens a stream, sends only the head without ending it, and returns the stream (to abandon it). */
    public QuicStreamChannel open(String method, String path, CompletableFuture<Reply> reply,
                                  String... headerPairs) throws Exception {
        QuicStreamChannel stream = Http3.newRequestStream(quic, new Collector(reply)).sync().getNow();
        DefaultHttp3HeadersFrame head = new DefaultHttp3HeadersFrame();
        head.headers().method(method).path(path).scheme("https").authority("127.0.0.1:" + port);
        for (int i = 0; i + 1 < headerPairs.length; i += 2) {
            head.headers().add(headerPairs[i], headerPairs[i + 1]);
        }
        stream.writeAndFlush(head).sync();
        return stream;
    }

    private static final class Collector extends Http3RequestStreamInboundHandler {
        private final CompletableFuture<Reply> reply;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private Http3Headers headers;

        Collector(CompletableFuture<Reply> reply) {
            this.reply = reply;
        }

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
            CharSequence status = frame.headers().status();
            // Interim (1xx) responses come first; the final one is the first with another status.
            if (headers == null && status != null && status.length() == 3 && status.charAt(0) != '1') {
                headers = frame.headers();
            }
            ReferenceCountUtil.release(frame);
        }

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
            body.writeBytes(ByteBufUtil.getBytes(frame.content()));
            ReferenceCountUtil.release(frame);
        }

        @Override
        protected void channelInputClosed(ChannelHandlerContext ctx) {
            if (headers == null) {
                reply.completeExceptionally(new IllegalStateException("stream ended without a response"));
            } else {
                reply.complete(new Reply(Integer.parseInt(headers.status().toString()), headers,
                        body.toByteArray()));
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!reply.isDone()) {
                reply.completeExceptionally(new IllegalStateException("stream closed without a response"));
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            reply.completeExceptionally(cause);
            ctx.close();
        }
    }

    @Override
    public void close() {
        quic.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        socket.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
