package io.carbon.http2;

import io.carbon.config.Http2Config;
import io.carbon.config.HttpConfig;
import io.carbon.config.SecurityHeadersConfig;
import io.carbon.http.Body;
import io.carbon.http.ErrorPages;
import io.carbon.http.Exchanges;
import io.carbon.http.Request;
import io.carbon.http.Response;
import io.carbon.http.ResponseFinisher;
import io.carbon.http.RouteTable;
import io.carbon.http.StandardHeaders;
import io.carbon.testing.Poll;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.util.AsciiString;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A real server on 127.0.0.1:0 running the HTTP/2 branch, with a small fixed router and recorded exchanges. */
final class H2TestServer implements AutoCloseable {

    static final String SMALL = "hello from carbon over h2\n";
    static final int FILE_SIZE = 1 << 20;
    static final String PART_A = "--sep\r\ncontent-type: text/plain\r\n\r\n";
    static final String PART_C = "\r\n--sep--\r\n";
    static final int PART_FILE_OFFSET = 1000, PART_FILE_LENGTH = 50_000;

    static final Http2Config H2 = new Http2Config(true, 100, 1 << 20, 16 << 20, 16384, 50, Duration.ofSeconds(30));
    static final HttpConfig HTTP = new HttpConfig(Duration.ofSeconds(65), Duration.ofSeconds(10), 8192, 16384, 4096,
            16, 0, Duration.ZERO, Duration.ofSeconds(60), new SecurityHeadersConfig(true, "nosniff", "SAMEORIGIN", "strict-origin-when-cross-origin",
            "default-src 'self'"));

    /** One finished exchange as the listener heard it. */
    record Completed(String target, int status, long bodyBytes) { }

    final List<Completed> completed = new CopyOnWriteArrayList<>();
    final List<Channel> connections = new CopyOnWriteArrayList<>();
    final byte[] fileContent;
    private final Path file;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final Channel server;

    /** @param upgrade true: HTTP/1.1 with {@code Upgrade: h2c}; false: h2c with prior knowledge */
    H2TestServer(Path dir, boolean upgrade) throws Exception {
        fileContent = new byte[FILE_SIZE];
        new Random(42).nextBytes(fileContent);
        file = dir.resolve("big.bin");
        Files.write(file, fileContent);
        Exchanges exchanges = new Exchanges(RouteTable.of("test", this::route),
                new ResponseFinisher(new StandardHeaders(HTTP.securityHeaders(), ""), ErrorPages.builtInOnly()),
                (request, outcome) -> completed.add(new Completed(request.target(), outcome.status(),
                        outcome.responseBodyBytes())),
                (request, failure) -> { }, HTTP.maxBodySize());
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch);
                        if (upgrade) {
                            HttpServerCodec source = new HttpServerCodec();
                            ch.pipeline().addLast(source);
                            ch.pipeline().addLast(new HttpServerUpgradeHandler(source,
                                    protocol -> AsciiString.contentEquals("h2c", protocol)
                                            ? Http2Branch.upgradeCodec(H2, HTTP, () -> exchanges, false) : null, 65536));
                        } else {
                            Http2Branch.configure(ch.pipeline(), H2, HTTP, () -> exchanges, false, false);
                        }
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    private CompletableFuture<Response> route(Request request) {
        try {
            return CompletableFuture.completedFuture(switch (request.rawPath()) {
                case "/small" -> Response.text(HttpResponseStatus.OK, SMALL);
                case "/file" -> fileResponse();
                case "/parts" -> {
                    DefaultHttpHeaders headers = new DefaultHttpHeaders();
                    headers.set("Content-Type", "multipart/byteranges; boundary=sep");
                    yield new Response(HttpResponseStatus.PARTIAL_CONTENT, headers, new Body.Parts(List.of(
                            Body.of(Unpooled.copiedBuffer(PART_A, StandardCharsets.US_ASCII)),
                            new Body.FileSegment(FileChannel.open(file), PART_FILE_OFFSET, PART_FILE_LENGTH, Runnable::run),
                            Body.of(Unpooled.copiedBuffer(PART_C, StandardCharsets.US_ASCII)))));
                }
                case "/nocontent" -> Response.of(HttpResponseStatus.NO_CONTENT);
                case "/echo-headers" -> Response.text(HttpResponseStatus.OK,
                        "host=" + request.headers().get("host") + "\ncookie=" + request.headers().get("cookie")
                                + "\nprotocol=" + request.protocol().logName() + "\nmethod=" + request.method()
                                + "\ntarget=" + request.target());
                case "/boom" -> throw new IllegalStateException("handler crashed");
                default -> Response.of(HttpResponseStatus.NOT_FOUND);
            });
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private Response fileResponse() throws IOException {
        DefaultHttpHeaders headers = new DefaultHttpHeaders();
        headers.set("Content-Type", "application/octet-stream");
        return new Response(HttpResponseStatus.OK, headers, new Body.FileSegment(FileChannel.open(file), 0, FILE_SIZE, Runnable::run));
    }

    /** Waits until the listener heard of {@code count} exchanges (it is told after the last write). */
    List<Completed> awaitCompleted(int count) {
        return Poll.until(count + " completed exchanges", () -> List.copyOf(completed), all -> all.size() >= count);
    }

    /** Waits until an exchange for {@code target} with {@code status} was reported; returns all. */
    List<Completed> awaitCompletion(String target, int status) {
        return Poll.until("a completed exchange " + target + " " + status, () -> List.copyOf(completed),
                all -> all.stream().anyMatch(c -> c.target().equals(target) && c.status() == status));
    }

    @Override
    public void close() throws InterruptedException {
        server.close().sync();
        for (Channel connection : connections) {
            connection.close().sync();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
    }
}
