package io.carbon.cli;

import io.carbon.config.ConfigException;
import io.carbon.config.ConfigLoader;
import io.carbon.config.ServerConfig;
import io.carbon.logging.ServerLog;
import io.carbon.server.CarbonServer;
import io.carbon.tls.SelfSignedCertificate;
import io.carbon.tls.TlsException;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * {@code --cds-training}: starts Carbon with a built-in configuration on free loopback ports, sends it the
 * requests a server sees first (HTTP/1.1 with and without gzip, a 404, HTTPS, h2c), and stops it. Run under
 * {@code java -XX:ArchiveClassesAtExit=carbon.jsa}, the JVM then writes every class this loaded into a class-data
 * archive, which {@code -XX:SharedArchiveFile=carbon.jsa} maps at the next start instead of reading, verifying and
 * parsing those classes out of the jar: carbon.service and the Docker image start that way (docs/operations.md).
 * The archive belongs to one jar and one JVM build: after an upgrade of either, the JVM says it cannot use it and
 * starts without it, and this is run again.
 */
final class CdsTraining {

    private static final byte[] PAGE = ("<!DOCTYPE html><html><head><title>Carbon</title></head><body>"
            + "<p>class-data sharing training</p>".repeat(64) + "</body></html>\n").getBytes(StandardCharsets.US_ASCII);

    private CdsTraining() {
    }

    /** @return the exit status: 0 when the server started, answered and stopped */
    static int run(PrintStream out, PrintStream err) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("carbon-cds-");
            Files.createDirectories(dir.resolve("www"));
            Files.write(dir.resolve("www/index.html"), PAGE);
            SelfSignedCertificate.generate(dir.resolve("cert.pem"), dir.resolve("key.pem"), "localhost", false);
            ServerConfig config = new ConfigLoader(Map.of(), warning -> { }).fromSettings(Map.ofEntries(
                    Map.entry("server_name", "127.0.0.1"),
                    Map.entry("port", "0"),
                    Map.entry("https_port", "0"),
                    Map.entry("use_https", "true"),
                    Map.entry("enable_http2", "true"),
                    Map.entry("enable_h2c", "true"),
                    Map.entry("enable_http3", "true"),
                    Map.entry("admin_port", "0"),
                    Map.entry("www_path", dir.resolve("www").toString()),
                    Map.entry("ssl_cert_path", dir.resolve("cert.pem").toString()),
                    Map.entry("ssl_key_path", dir.resolve("key.pem").toString()),
                    Map.entry("log_file", dir.resolve("server.log").toString()),
                    Map.entry("access_log", dir.resolve("access.log").toString()),
                    Map.entry("shutdown_timeout", "1s")));
            ServerLog log = ServerLog.open(config.logging());
            CarbonServer server = new CarbonServer(config, log);
            try {
                server.start();
                exercise(server);
            } finally {
                server.shutdown();
                log.close();
            }
            out.println("class-data sharing training done: the server started, answered HTTP/1.1, HTTPS and h2c, "
                    + "and stopped");
            return Main.EXIT_OK;
        } catch (IOException | ConfigException | TlsException | RuntimeException e) {
            err.println("carbon: --cds-training failed: " + e);
            return Main.EXIT_CONFIG;
        } finally {
            delete(dir);
        }
    }

    private static void exercise(CarbonServer server) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        for (String request : List.of(
                "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
                "GET /index.html HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip, br\r\n\r\n",
                "GET /missing HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")) {
            try (Socket socket = new Socket(loopback, server.port())) {
                exchange(socket, request.getBytes(StandardCharsets.US_ASCII));
            }
        }
        try (Socket socket = new Socket(loopback, server.port())) {
            exchange(socket, h2cRequest());
        }
        httpsExchange(loopback, server.httpsPort(),
                "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * One request over TLS with Netty's BoringSSL client, not the JDK's: the JDK's TLS classes (several hundred, that
     * the server itself never loads) would otherwise go into the archive and be mapped into every start.
     */
    private static void httpsExchange(InetAddress loopback, int port, byte[] request) throws IOException {
        SslContext tls = SslContextBuilder.forClient()
                .sslProvider(SslProvider.OPENSSL)
                // The training talks to itself over loopback with the certificate it just made: nothing to verify.
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .build();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            CompletableFuture<Void> answered = new CompletableFuture<>();
            Channel channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), "localhost", port), new FirstAnswer(answered));
                        }
                    })
                    .connect(loopback, port).syncUninterruptibly().channel();
            channel.writeAndFlush(Unpooled.wrappedBuffer(request)); // the TLS handler holds it until the handshake ends
            answered.get(5, TimeUnit.SECONDS);
            channel.close().syncUninterruptibly();
        } catch (ExecutionException e) {
            throw new IOException("HTTPS request failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("HTTPS request got no answer within 5 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Completes when the server has said something, fails when the connection fails or closes first. */
    private static final class FirstAnswer extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Void> answered;

        FirstAnswer(CompletableFuture<Void> answered) {
            this.answered = answered;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            answered.complete(null);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            answered.completeExceptionally(cause);
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            answered.completeExceptionally(new IOException("the server closed the connection without an answer"));
        }
    }

    /** Writes the request and reads until the server has said something (a status line, or h2 frames). */
    private static void exchange(Socket socket, byte[] request) throws IOException {
        socket.setSoTimeout(5000);
        OutputStream output = socket.getOutputStream();
        output.write(request);
        output.flush();
        InputStream input = socket.getInputStream();
        if (input.read(new byte[16384]) < 0) {
            throw new IOException("the server closed the connection without an answer");
        }
    }

    /**
     * h2c by prior knowledge (RFC 9113 §3.3): the preface, an empty SETTINGS, and a GET / in one HEADERS frame whose
     * fields come from HPACK's static table (RFC 7541 Appendix A) plus one literal :authority.
     */
    private static byte[] h2cRequest() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        bytes.writeBytes(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // SETTINGS, no parameters
        byte[] authority = "localhost".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.writeBytes(new byte[] {(byte) 0x82, (byte) 0x86, (byte) 0x84}); // :method GET, :scheme http, :path /
        block.write(0x41); // literal with indexing, name = static entry 1 (:authority)
        block.write(authority.length);
        block.writeBytes(authority);
        int length = block.size();
        // HEADERS on stream 1 with END_STREAM | END_HEADERS
        bytes.writeBytes(new byte[] {0, 0, (byte) length, 1, 5, 0, 0, 0, 1});
        bytes.writeBytes(block.toByteArray());
        return bytes.toByteArray();
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder left behind is harmless
        }
    }
}
