package io.carbon.websocket;

import io.carbon.config.WebSocketConfig;
import io.carbon.http.Body;
import io.carbon.http.ChunkSource;
import io.carbon.http.Request;
import io.carbon.http.Response;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real server on 127.0.0.1:0 that does what the HTTP/1.1 branch will do for WebSockets: a request with
 * {@code Upgrade: websocket} on a WebSocket path goes through {@link WebSocketService#handshake}; an accepted one
 * gets its 101, loses its HTTP handlers and is handed to {@link WebSocketService#install}; other requests to
 * the paths go to {@link WebSocketService#httpHandler()}, with POST bodies delivered and streamed bodies
 * written as chunks.
 */
final class WsTestServer implements AutoCloseable {

    final WebSocketService service;
    final List<Channel> connections = new CopyOnWriteArrayList<>();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final Channel server;

    WsTestServer(WebSocketConfig config) {
        service = new WebSocketService(config, group);
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast("codec", new HttpServerCodec())
                                .addLast("aggregator", new HttpObjectAggregator(1 << 20))
                                .addLast("http", new Http1Simulation());
                    }
                })
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    URI uri(String path) {
        return URI.create("ws://127.0.0.1:" + port() + path);
    }

    URI httpUri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    RawWebSocket raw(String path) throws Exception {
        return RawWebSocket.connect(port(), path);
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        for (Channel c : connections) {
            c.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Http1Simulation extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest head) {
            Request request = Request.of(head.method(), head.uri(), head.headers(),
                    head.protocolVersion().text(), (InetSocketAddress) ctx.channel().remoteAddress(), false);
            if (service.handles(request.rawPath()) && WebSocketHandshake.isUpgradeRequest(head.headers())) {
                HandshakeResult result = service.handshake(request);
                if (result instanceof Accepted accepted) {
                    DefaultFullHttpResponse switching = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                            accepted.status(), Unpooled.EMPTY_BUFFER);
                    switching.headers().set(accepted.responseHeaders());
                    // Encoded synchronously on the event loop, so the HTTP handlers can go right after.
                    ctx.writeAndFlush(switching);
                    ctx.pipeline().remove(this);
                    ctx.pipeline().remove("aggregator");
                    service.install(ctx.pipeline(), accepted);
                    ctx.pipeline().remove("codec"); // leftover bytes, if any, flow into the frame decoder
                    return;
                }
                send(ctx, ((HandshakeResult.Rejected) result).response());
                return;
            }
            if (service.wantsBody(request)) {
                request = request.withBody(head.content().nioBuffer());
            }
            Request answered = request;
            service.httpHandler().handle(answered).whenComplete((response, failure) ->
                    ctx.executor().execute(() -> send(ctx, response)));
        }

        private void send(ChannelHandlerContext ctx, Response response) {
            Body body = response.body();
            if (body instanceof Body.Stream stream) {
                DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, response.status(),
                        response.headers());
                head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                ctx.writeAndFlush(head);
                ctx.channel().closeFuture().addListener(f -> stream.source().close());
                pump(ctx, stream.source());
                return;
            }
            ByteBuf content = body instanceof Body.Bytes bytes ? bytes.content() : Unpooled.EMPTY_BUFFER;
            DefaultFullHttpResponse full = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, response.status(), content);
            full.headers().set(response.headers());
            full.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
            ctx.writeAndFlush(full);
        }

        private void pump(ChannelHandlerContext ctx, ChunkSource source) {
            source.next(ctx.alloc()).whenComplete((piece, failure) -> ctx.executor().execute(() -> {
                if (failure != null) {
                    ctx.close();
                } else if (piece == null) {
                    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                } else if (!ctx.channel().isActive()) {
                    piece.release();
                } else {
                    ctx.writeAndFlush(new DefaultHttpContent(piece)).addListener((ChannelFutureListener) f -> {
                        if (f.isSuccess()) {
                            pump(ctx, source);
                        }
                    });
                }
            }));
        }
    }
}
