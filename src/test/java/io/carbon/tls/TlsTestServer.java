package io.carbon.tls;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A tiny TLS server: the pipeline is {@link ReloadableSslContext#newHandler} plus a handler that writes the
 * negotiated ALPN protocol (or "none") and a newline after the handshake, then echoes.
 */
final class TlsTestServer implements AutoCloseable {

    private final Channel channel;

    TlsTestServer(EventLoopGroup group, ReloadableSslContext tls) throws InterruptedException {
        channel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(tls.newHandler(ch.alloc()), new AlpnReporter());
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() throws InterruptedException {
        channel.close().sync();
    }

    /** Connects, handshakes, and reads the server's ALPN line. */
    Client connect(SSLContext client, String[] protocols, String... alpn) throws IOException {
        SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port());
        socket.setSoTimeout(10_000);
        if (protocols != null) {
            socket.setEnabledProtocols(protocols);
        }
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(alpn);
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                StandardCharsets.US_ASCII));
        return new Client(socket, reader, reader.readLine());
    }

    /** A connected client and the protocol the server reported. */
    record Client(SSLSocket socket, BufferedReader reader, String serverAlpn) implements AutoCloseable {
        String echo(String line) throws IOException {
            socket.getOutputStream().write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return reader.readLine();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static final class AlpnReporter extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent event) {
                if (event.isSuccess()) {
                    String protocol = ctx.pipeline().get(SslHandler.class).applicationProtocol();
                    ctx.writeAndFlush(Unpooled.copiedBuffer((protocol == null ? "none" : protocol) + "\n",
                            StandardCharsets.US_ASCII));
                } else {
                    ctx.close();
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
