package io.carbon.webtransport;

import io.carbon.testing.LeakDetectorExtension;
import io.carbon.testing.TestServer;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
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
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * WebTransport over HTTP/3 end to end, with a minimal client on Netty's QUIC and HTTP/3 codecs speaking the wire
 * format Chromium speaks (draft-02): the CONNECT, bidirectional and unidirectional streams both ways, datagrams
 * with the quarter-stream-id prefix, and the session close capsule.
 */
@ExtendWith(LeakDetectorExtension.class)
class WebTransportEndToEndTest {

    @TempDir
    Path dir;

    private TestServer server;
    private EventLoopGroup group;
    private QuicChannel quic;
    private Channel socket;
    private final LinkedBlockingQueue<byte[]> datagrams = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<byte[]> uniStreams = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        server = TestServer.startSite(dir, Map.of("use_https", "true", "https_port", "0", "enable_http3", "true",
                "enable_websocket", "true", "enable_webtransport", "true", "webtransport_max_streams", "8",
                "websocket_allowed_origins", "https://example.test",
                "ssl_cert_path", dir.resolve("ssl/cert.pem").toString(),
                "ssl_key_path", dir.resolve("ssl/key.pem").toString()));
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        QuicSslContext tls = QuicSslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
                .applicationProtocols(Http3.supportedApplicationProtocols()).build();
        socket = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(Http3.newQuicClientCodecBuilder().sslContext(tls).maxIdleTimeout(10, TimeUnit.SECONDS)
                        .initialMaxData(1 << 20).initialMaxStreamDataBidirectionalLocal(1 << 18)
                        .initialMaxStreamDataUnidirectional(1 << 18).initialMaxStreamsUnidirectional(16)
                        .datagram(16, 16).build())
                .bind(0).sync().channel();
        quic = QuicChannel.newBootstrap(socket)
                .handler(new io.netty.channel.ChannelInitializer<QuicChannel>() {
                    @Override
                    protected void initChannel(QuicChannel channel) {
                        channel.pipeline().addLast(new Http3ClientConnectionHandler(null, null,
                                type -> type == 0x54 ? collect(uniStreams, true) : discard(), null, true));
                        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                if (msg instanceof ByteBuf datagram) {
                                    datagrams.add(ByteBufUtil.getBytes(datagram));
                                    datagram.release();
                                    return;
                                }
                                ctx.fireChannelRead(msg);
                            }
                        });
                    }
                })
                .remoteAddress(new InetSocketAddress("127.0.0.1", server.server().http3Port()))
                .connect().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        if (quic != null) {
            quic.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        if (socket != null) {
            socket.close().awaitUninterruptibly(2, TimeUnit.SECONDS); // frees the QUIC codec's native buffers
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
        server.close();
    }

    /** Opens a session: the CONNECT stream, its response headers, and what arrives on it afterwards. */
    private record Connect(QuicStreamChannel stream, Http3Headers response, CompletableFuture<Void> ended,
                           LinkedBlockingQueue<byte[]> data) {
    }

    private Connect connect(String path) throws Exception {
        return connect(path, "https://example.test");
    }

    private Connect connect(String path, String origin) throws Exception {
        CompletableFuture<Http3Headers> headers = new CompletableFuture<>();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        LinkedBlockingQueue<byte[]> data = new LinkedBlockingQueue<>();
        QuicStreamChannel stream = Http3.newRequestStream(quic, new Http3RequestStreamInboundHandler() {
            @Override
            protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
                headers.complete(frame.headers());
                ReferenceCountUtil.release(frame);
            }

            @Override
            protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
                data.add(ByteBufUtil.getBytes(frame.content()));
                ReferenceCountUtil.release(frame);
            }

            @Override
            protected void channelInputClosed(ChannelHandlerContext ctx) {
                ended.complete(null);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                ended.complete(null); // both sides ended: Netty may close the stream without a separate event
                ctx.fireChannelInactive();
            }
        }).sync().getNow();
        DefaultHttp3HeadersFrame request = new DefaultHttp3HeadersFrame();
        request.headers().method("CONNECT").path(path).scheme("https")
                .authority("127.0.0.1:" + server.server().http3Port())
                .add(":protocol", "webtransport").add("sec-webtransport-http3-draft02", "1")
                .add("origin", origin);
        stream.writeAndFlush(request).sync();
        return new Connect(stream, headers.get(10, TimeUnit.SECONDS), ended, data);
    }

    private static ChannelHandler discard() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
            }
        };
    }

    /** Collects a stream's bytes until its FIN, then puts them in {@code into}. */
    private static ChannelHandler collect(LinkedBlockingQueue<byte[]> into, boolean autoClose) {
        return new ChannelInboundHandlerAdapter() {
            private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            private boolean delivered;

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof ByteBuf buf) {
                    bytes.writeBytes(ByteBufUtil.getBytes(buf));
                }
                ReferenceCountUtil.release(msg);
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof ChannelInputShutdownEvent) {
                    deliver();
                    if (autoClose) {
                        ctx.close();
                    }
                }
            }

            /** A stream whose both sides ended may close without a separate input-shutdown event. */
            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                deliver();
                ctx.fireChannelInactive();
            }

            private void deliver() {
                if (!delivered) {
                    delivered = true;
                    into.add(bytes.toByteArray());
                }
            }
        };
    }

    private static byte[] prefixed(int type, long session, String text) {
        ByteBuf out = Unpooled.buffer();
        out.writeShort(0x4000 | type); // 0x41 and 0x54 are two-byte varints (RFC 9000 §16)
        out.writeByte((int) session);  // session ids under 64 here
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        byte[] bytes = ByteBufUtil.getBytes(out);
        out.release();
        return bytes;
    }

    @Test
    void aSessionEchoesStreamsBothWaysAndDatagrams() throws Exception {
        Connect session = connect("/ws");
        assertThat(session.response().status().toString()).isEqualTo("200");
        assertThat(session.response().get("sec-webtransport-http3-draft").toString()).isEqualTo("draft02");
        long id = session.stream().streamId();

        // A bidirectional stream: 0x41, the session id, then bytes; the echo comes back raw on the same stream.
        LinkedBlockingQueue<byte[]> echoed = new LinkedBlockingQueue<>();
        QuicStreamChannel bidi = quic.createStream(QuicStreamType.BIDIRECTIONAL, collect(echoed, false))
                .get(5, TimeUnit.SECONDS);
        bidi.writeAndFlush(Unpooled.wrappedBuffer(prefixed(0x41, id, "hello over WebTransport")))
                .addListener(f -> bidi.shutdownOutput());
        assertThat(new String(echoed.poll(10, TimeUnit.SECONDS), StandardCharsets.UTF_8))
                .isEqualTo("hello over WebTransport");

        // A unidirectional stream: sent back whole on a stream of the server's, 0x54 + session id first.
        QuicStreamChannel uni = quic.createStream(QuicStreamType.UNIDIRECTIONAL, discard()).get(5, TimeUnit.SECONDS);
        uni.writeAndFlush(Unpooled.wrappedBuffer(prefixed(0x54, id, "one way"))).addListener(f -> uni.shutdownOutput());
        byte[] back = uniStreams.poll(10, TimeUnit.SECONDS);
        assertThat(back).isNotNull();
        assertThat(back[0] & 0xFF).as("the session id after Netty read the stream type").isEqualTo((int) id);
        assertThat(new String(back, 1, back.length - 1, StandardCharsets.UTF_8)).isEqualTo("one way");

        // Datagrams: quarter stream id, then the payload; echoed unless dropped (loopback: expect some).
        for (int i = 0; i < 5; i++) {
            ByteBuf datagram = Unpooled.buffer();
            datagram.writeByte((int) (id / 4));
            datagram.writeBytes(("datagram " + i).getBytes(StandardCharsets.UTF_8));
            quic.writeAndFlush(datagram).sync();
        }
        byte[] first = datagrams.poll(5, TimeUnit.SECONDS);
        assertThat(first).as("at least one datagram echoed").isNotNull();
        assertThat(first[0]).isEqualTo((byte) (id / 4));
        assertThat(new String(first, 1, first.length - 1, StandardCharsets.UTF_8)).startsWith("datagram ");

        // Close: CLOSE_WEBTRANSPORT_SESSION (0x2843) with code 7, then FIN; the server answers with its FIN only.
        ByteBuf capsule = Unpooled.buffer();
        capsule.writeInt(0x80002843);  // the capsule type as a four-byte varint
        capsule.writeByte(4 + 3);
        capsule.writeInt(7);
        capsule.writeBytes("bye".getBytes(StandardCharsets.UTF_8));
        session.stream().writeAndFlush(new DefaultHttp3DataFrame(capsule))
                .addListener(f -> session.stream().shutdownOutput());
        session.ended().get(10, TimeUnit.SECONDS);
        assertThat(session.data()).as("no capsule in answer to a close, only the end of the stream")
                .allSatisfy(bytes -> assertThat(bytes).isEmpty());
    }

    @Test
    void closingASessionEndsTheStreamsStillOpenInIt() throws Exception {
        Connect session = connect("/ws");
        CompletableFuture<Void> streamClosed = new CompletableFuture<>();
        QuicStreamChannel open = quic.createStream(QuicStreamType.BIDIRECTIONAL, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof ChannelInputShutdownEvent) {
                    streamClosed.complete(null); // the server's RESET_STREAM ends our receiving side
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                streamClosed.complete(null); // a reset may also arrive as an exception
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                streamClosed.complete(null);
            }
        }).get(5, TimeUnit.SECONDS);
        open.writeAndFlush(Unpooled.wrappedBuffer(prefixed(0x41, session.stream().streamId(), "half a message")));
        Thread.sleep(200); // the stream is attached and echoing; the client has not ended it
        // The client ends the session: FIN on the CONNECT stream (behind an empty DATA frame, see WebTransportSession).
        session.stream().writeAndFlush(new DefaultHttp3DataFrame(Unpooled.EMPTY_BUFFER))
                .addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
        session.ended().get(10, TimeUnit.SECONDS);
        // The server ended the session's streams with it (draft-ietf-webtrans-http3 §6): reset, so ours closes.
        streamClosed.get(10, TimeUnit.SECONDS);
    }

    @Test
    void otherPathsAndOriginsAreRefusedAndTheStreamLimitHolds() throws Exception {
        Connect wrongPath = connect("/nope");
        assertThat(wrongPath.response().status().toString()).isEqualTo("404");
        // A stream for a session that does not exist is reset; the connection and its sessions go on.
        CompletableFuture<Void> refused = new CompletableFuture<>();
        QuicStreamChannel stray = quic.createStream(QuicStreamType.BIDIRECTIONAL, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                refused.complete(null);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                refused.complete(null);
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof ChannelInputShutdownEvent) {
                    refused.complete(null);
                }
            }
        }).get(5, TimeUnit.SECONDS);
        stray.writeAndFlush(Unpooled.wrappedBuffer(prefixed(0x41, 60, "for nobody")));
        refused.get(10, TimeUnit.SECONDS);
        Connect otherSite = connect("/ws", "https://evil.test");
        assertThat(otherSite.response().status().toString()).as("websocket_allowed_origins").isEqualTo("403");

        Connect session = connect("/ws");
        long id = session.stream().streamId();
        LinkedBlockingQueue<byte[]> echoed = new LinkedBlockingQueue<>();
        for (int i = 0; i < 9; i++) {
            QuicStreamChannel bidi = quic.createStream(QuicStreamType.BIDIRECTIONAL, collect(echoed, false))
                    .get(5, TimeUnit.SECONDS);
            bidi.writeAndFlush(Unpooled.wrappedBuffer(prefixed(0x41, id, "s" + i)));
        }
        // webtransport_max_streams = 8: eight streams are echoed (still open), the ninth is reset.
        assertThat(quic.isActive()).isTrue();
        Connect another = connect("/ws");
        assertThat(another.response().status().toString()).as("a second session on the connection").isEqualTo("200");
    }

    @Test
    void webTransportWebSocketAndDatagramsMeetInAChannel() throws Exception {
        Connect a = connect("/ws/channels/room");
        Connect b = connect("/ws/channels/room");
        assertThat(a.response().status().toString()).isEqualTo("200");
        assertThat(b.response().status().toString()).isEqualTo("200");
        LinkedBlockingQueue<String> webSocket = new LinkedBlockingQueue<>();
        java.net.http.WebSocket ws = java.net.http.HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(java.net.URI.create("ws://127.0.0.1:" + server.port() + "/ws/channels/room"),
                        new java.net.http.WebSocket.Listener() {
                            @Override
                            public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket socket,
                                                                                  CharSequence data, boolean last) {
                                webSocket.add(data.toString());
                                socket.request(1);
                                return null;
                            }

                            @Override
                            public java.util.concurrent.CompletionStage<?> onBinary(java.net.http.WebSocket socket,
                                    java.nio.ByteBuffer data, boolean last) {
                                webSocket.add("binary " + StandardCharsets.UTF_8.decode(data));
                                socket.request(1);
                                return null;
                            }
                        }).join();
        io.carbon.testing.Poll.until("three members", () -> server.server().webSockets().subscribers("room"),
                n -> n == 3);

        // A message on a stream of A: B gets it on a stream of the server's, the WebSocket as a text message.
        QuicStreamChannel fromA = quic.createStream(QuicStreamType.UNIDIRECTIONAL, discard()).get(5, TimeUnit.SECONDS);
        fromA.writeAndFlush(Unpooled.wrappedBuffer(prefixed(0x54, a.stream().streamId(), "from A")))
                .addListener(f -> fromA.shutdownOutput());
        byte[] atB = uniStreams.poll(10, TimeUnit.SECONDS);
        assertThat(atB).isNotNull();
        assertThat(atB[0] & 0xFF).as("addressed to session B").isEqualTo((int) b.stream().streamId());
        assertThat(new String(atB, 1, atB.length - 1, StandardCharsets.UTF_8)).isEqualTo("from A");
        assertThat(webSocket.poll(10, TimeUnit.SECONDS)).isEqualTo("from A");
        assertThat(uniStreams.poll(300, TimeUnit.MILLISECONDS)).as("the sender does not get its own").isNull();

        // A WebSocket message reaches both WebTransport sessions.
        ws.sendText("from WebSocket", true).join();
        java.util.Set<Integer> sessions = new java.util.HashSet<>();
        for (int i = 0; i < 2; i++) {
            byte[] got = uniStreams.poll(10, TimeUnit.SECONDS);
            assertThat(got).isNotNull();
            assertThat(new String(got, 1, got.length - 1, StandardCharsets.UTF_8)).isEqualTo("from WebSocket");
            sessions.add(got[0] & 0xFF);
        }
        assertThat(sessions).containsExactlyInAnyOrder((int) a.stream().streamId(), (int) b.stream().streamId());

        // A datagram of A: to B as a datagram (B's quarter stream id in front), to the WebSocket as binary.
        ByteBuf datagram = Unpooled.buffer();
        datagram.writeByte((int) (a.stream().streamId() / 4));
        datagram.writeBytes("ping".getBytes(StandardCharsets.UTF_8));
        quic.writeAndFlush(datagram).sync();
        byte[] atBDatagram = datagrams.poll(5, TimeUnit.SECONDS);
        assertThat(atBDatagram).isNotNull();
        assertThat(atBDatagram[0]).isEqualTo((byte) (b.stream().streamId() / 4));
        assertThat(new String(atBDatagram, 1, atBDatagram.length - 1, StandardCharsets.UTF_8)).isEqualTo("ping");
        assertThat(webSocket.poll(10, TimeUnit.SECONDS)).isEqualTo("binary ping");
        ws.sendClose(1000, "").join();
    }

    @Test
    void finishedEchoStreamsDoNotCountAgainstTheStreamLimit() throws Exception {
        Connect session = connect("/ws");
        for (int i = 0; i < 20; i++) { // webtransport_max_streams = 8
            LinkedBlockingQueue<byte[]> echoed = new LinkedBlockingQueue<>();
            QuicStreamChannel bidi = quic.createStream(QuicStreamType.BIDIRECTIONAL, collect(echoed, false))
                    .get(5, TimeUnit.SECONDS);
            bidi.writeAndFlush(Unpooled.wrappedBuffer(prefixed(0x41, session.stream().streamId(), "echo " + i)))
                    .addListener(f -> bidi.shutdownOutput());
            byte[] back = echoed.poll(10, TimeUnit.SECONDS);
            assertThat(back).as("echo " + i).isNotNull();
            assertThat(new String(back, StandardCharsets.UTF_8)).isEqualTo("echo " + i);
        }
    }

    @Test
    void finishedStreamsDoNotCountAgainstTheStreamLimit() throws Exception {
        // webtransport_max_streams = 8 here: 30 messages one after another, each on a stream of its own.
        Connect a = connect("/ws/channels/many");
        Connect b = connect("/ws/channels/many");
        io.carbon.testing.Poll.until("two members", () -> server.server().webSockets().subscribers("many"),
                n -> n == 2);
        for (int i = 0; i < 30; i++) {
            QuicStreamChannel message = quic.createStream(QuicStreamType.UNIDIRECTIONAL, discard())
                    .get(5, TimeUnit.SECONDS);
            message.writeAndFlush(Unpooled.wrappedBuffer(prefixed(0x54, a.stream().streamId(), "m" + i)))
                    .addListener(f -> message.shutdownOutput());
            byte[] got = uniStreams.poll(10, TimeUnit.SECONDS);
            assertThat(got).as("message " + i + " delivered").isNotNull();
            assertThat(new String(got, 1, got.length - 1, StandardCharsets.UTF_8)).isEqualTo("m" + i);
        }
    }
}
