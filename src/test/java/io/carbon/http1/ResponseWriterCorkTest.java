package io.carbon.http1;

import io.carbon.http.Body;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.EpollSocketChannelConfig;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The last response on a connection stays corked until the close, so that the kernel puts the FIN into the
 * response's last segment; a response the connection outlives is never left corked (the kernel would hold
 * its tail for up to 200 ms). Real epoll sockets on loopback: the writer answers as soon as a client
 * connects, and reports whether TCP_CORK was on once its write completed.
 */
class ResponseWriterCorkTest {

    private static final String BODY = "x".repeat(1000);
    private static EventLoopGroup group;

    @BeforeAll
    static void startLoops() {
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    }

    @AfterAll
    static void stopLoops() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @ParameterizedTest(name = "{0} body, last response {1}: corked after the write = {2}")
    @CsvSource({
        "bytes,    true,  true",
        "bytes,    false, false",
        "empty,    true,  true",
        "empty,    false, false",
        "prepared, true,  true",
        "prepared, false, false",
        "file,     true,  true",
        "file,     false, false",
    })
    void lastResponseStaysCorkedUntilTheClose(String body, boolean last, boolean corkedAfter) throws Exception {
        BiFunction<ChannelHandlerContext, Boolean, ResponseWriter.Written> writer = switch (body) {
            case "bytes" -> (ctx, l) -> ResponseWriter.write(ctx, HttpResponseStatus.OK, headers(BODY.length()),
                    Body.of(Unpooled.copiedBuffer(BODY, StandardCharsets.US_ASCII)), true, true, l);
            case "empty" -> (ctx, l) -> ResponseWriter.write(ctx, HttpResponseStatus.NO_CONTENT,
                    new DefaultHttpHeaders(), Body.EMPTY, true, true, l);
            case "file" -> (ctx, l) -> ResponseWriter.write(ctx, HttpResponseStatus.OK, headers(BODY.length()),
                    fileSegment(), true, true, l);
            default -> (ctx, l) -> ResponseWriter.writePrepared(ctx,
                    ctx.pipeline().context(HttpResponseEncoder.class),
                    new byte[][] {("content-length: " + BODY.length() + "\r\n").getBytes(StandardCharsets.US_ASCII)},
                    Body.of(Unpooled.copiedBuffer(BODY, StandardCharsets.US_ASCII)), true, l);
        };
        CompletableFuture<Boolean> corked = new CompletableFuture<>();
        Channel server = listen(writer, last, corked);
        try (Socket client = new Socket()) {
            client.connect((InetSocketAddress) server.localAddress(), 5_000);
            client.setSoTimeout(5_000);
            String response = readToEnd(client.getInputStream());
            assertThat(corked.get(5, TimeUnit.SECONDS)).isEqualTo(corkedAfter);
            // Corked or not, the whole response arrives, and the connection's end right behind it.
            assertThat(response).startsWith(body.equals("empty") ? "HTTP/1.1 204" : "HTTP/1.1 200");
            if (!body.equals("empty")) {
                assertThat(response).endsWith("\r\n\r\n" + BODY);
            }
        } finally {
            server.close().syncUninterruptibly();
        }
    }

    /** The body in a file, sent by sendfile. */
    private static Body fileSegment() {
        try {
            Path file = Files.createTempFile("cork", ".txt");
            Files.writeString(file, BODY);
            FileChannel channel = FileChannel.open(file);
            Files.delete(file);
            return new Body.FileSegment(channel, 0, BODY.length(), Runnable::run);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HttpHeaders headers(int length) {
        return new DefaultHttpHeaders().set(HttpHeaderNames.CONTENT_LENGTH, length);
    }

    /** A listener whose connections get one response, then the cork state, then (last or not) a close. */
    private static Channel listen(BiFunction<ChannelHandlerContext, Boolean, ResponseWriter.Written> writer,
                                  boolean last, CompletableFuture<Boolean> corked) {
        return new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .childHandler(new ChannelInitializer<EpollSocketChannel>() {
                    @Override
                    protected void initChannel(EpollSocketChannel ch) {
                        ch.pipeline().addLast(new HttpResponseEncoder(), new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                writer.apply(ctx, last).done().addListener(f -> {
                                    corked.complete(((EpollSocketChannelConfig) ctx.channel().config()).isTcpCork());
                                    ctx.close();
                                });
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
    }

    private static String readToEnd(InputStream in) throws Exception {
        return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
}
