package io.carbon.http3;

import io.carbon.http.ClientConnection;
import io.carbon.http.Session;
import io.carbon.http.SessionHandle;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.concurrent.EventExecutor;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One WebTransport session over HTTP/3: the branch's {@link SessionHandle} for the feature's {@link Session}.
 * Datagrams get the session's quarter stream id in front (RFC 9297 §2.1); streams it opens start with 0x41 or
 * 0x54 and the session id (draft-ietf-webtrans-http3 §4.2); closing sends CLOSE_WEBTRANSPORT_SESSION (§5) on the
 * CONNECT stream and ends it. Every stream of the session is closed with it. Event loop only.
 */
final class WebTransportSession implements SessionHandle {

    /** CLOSE_WEBTRANSPORT_SESSION capsule type (draft-ietf-webtrans-http3 §5). */
    static final long CLOSE_CAPSULE = 0x2843;
    /**
     * The error code of the resets that end a session's streams: H3_NO_ERROR. WebTransport's own codes
     * (draft-ietf-webtrans-http3 §4.3, from 0x52e4a40fa8db) do not fit the int Netty 4.2.18's stream shutdown
     * takes (a truncated one crashed the QUIC library in a test), and a client maps any code outside the
     * WebTransport range to application error 0, which is what this means.
     */
    static final int SESSION_GONE = 0x100;
    /** The largest close reason: 1024 bytes (§5). */
    private static final int MAX_REASON_BYTES = 1024;

    private final long id;
    private final QuicStreamChannel connect;
    private final QuicChannel connection;
    private final Session feature;
    private final ClientConnection client;
    private final int maxStreams;
    private final Runnable forget;
    private final Set<QuicStreamChannel> streams = new HashSet<>();
    private boolean closed;

    WebTransportSession(long id, QuicStreamChannel connect, QuicChannel connection, Session feature,
                        ClientConnection client, int maxStreams, Runnable forget) {
        this.id = id;
        this.connect = connect;
        this.connection = connection;
        this.feature = feature;
        this.client = client;
        this.maxStreams = maxStreams;
        this.forget = forget;
    }

    long id() {
        return id;
    }

    Session feature() {
        return feature;
    }

    /** A stream the client opened: handed to the feature, or false over the session's stream limit. */
    boolean accept(QuicStreamChannel stream, boolean bidirectional) {
        if (closed || streams.size() >= maxStreams) {
            return false;
        }
        track(stream);
        feature.stream(stream.pipeline(), bidirectional);
        return true;
    }

    private void track(QuicStreamChannel stream) {
        streams.add(stream);
        stream.closeFuture().addListener(f -> streams.remove(stream));
    }

    void datagramIn(ByteBuf payload) {
        if (closed) {
            payload.release();
            return;
        }
        feature.datagram(payload);
    }

    @Override
    public boolean sendDatagram(ByteBuf payload) {
        if (closed || !connection.isActive() || !connection.isWritable()) {
            payload.release();
            return false;
        }
        long quarter = id / 4;
        ByteBuf datagram = connection.alloc().directBuffer(QuicVarint.length(quarter) + payload.readableBytes());
        QuicVarint.write(datagram, quarter);
        datagram.writeBytes(payload);
        payload.release();
        connection.writeAndFlush(datagram);
        return true;
    }

    @Override
    public void openStream(boolean bidirectional, Consumer<ChannelPipeline> ready, Runnable failed) {
        if (closed) {
            failed.run();
            return;
        }
        connection.createStream(bidirectional ? QuicStreamType.BIDIRECTIONAL : QuicStreamType.UNIDIRECTIONAL,
                new ChannelInitializer<QuicStreamChannel>() {
                    @Override
                    protected void initChannel(QuicStreamChannel stream) {
                        ByteBuf prefix = stream.alloc().directBuffer(16);
                        QuicVarint.write(prefix, bidirectional ? WebTransportSessions.BIDIRECTIONAL_SIGNAL
                                : WebTransportSessions.UNIDIRECTIONAL_STREAM_TYPE);
                        QuicVarint.write(prefix, id);
                        stream.write(prefix);
                        track(stream);
                        ready.accept(stream.pipeline());
                    }
                }).addListener(f -> {
                    if (!f.isSuccess()) {
                        failed.run(); // e.g. the client's stream limit (MAX_STREAMS) is reached
                    }
                });
    }

    /**
     * On the next turn of the event loop: an output shutdown made while the connection is still reading (Netty
     * 4.2.18's QUIC) can wait there until something else is sent, and a finished stream's channel is not closed
     * by Netty on its own.
     */
    @Override
    public void endStream(Channel stream) {
        QuicStreamChannel quicStream = (QuicStreamChannel) stream;
        quicStream.eventLoop().execute(() -> {
            if (quicStream.isOutputShutdown()) {
                quicStream.close(); // nothing of ours to end (a unidirectional stream of the client's)
            } else {
                quicStream.shutdownOutput().addListener(f -> quicStream.close());
            }
        });
    }

    @Override
    public void close(long code, String reason) {
        if (closed) {
            return;
        }
        if (connect.isActive()) {
            byte[] text = reason.getBytes(StandardCharsets.UTF_8);
            int length = 4 + Math.min(text.length, MAX_REASON_BYTES);
            ByteBuf capsule = connect.alloc().directBuffer(16 + length);
            QuicVarint.write(capsule, CLOSE_CAPSULE);
            QuicVarint.write(capsule, length);
            capsule.writeInt((int) code);
            capsule.writeBytes(text, 0, length - 4);
            connect.writeAndFlush(new DefaultHttp3DataFrame(capsule))
                    .addListener(f -> connect.shutdownOutput());
        }
        end(code, reason);
    }

    /** The client closed the session (its capsule, or the end of the CONNECT stream). */
    void closedByPeer(long code, String reason) {
        if (closed) {
            return;
        }
        if (connect.isActive()) {
            // §5: the other side's FIN answers a close. Behind an (empty) DATA frame: a bare output shutdown on a
            // QUIC stream (Netty 4.2.18) can wait in the connection until something else is sent.
            connect.writeAndFlush(new DefaultHttp3DataFrame(connect.alloc().buffer(0)))
                    .addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
        }
        end(code, reason);
    }

    void connectionGone() {
        end(0, "connection closed");
    }

    private void end(long code, String reason) {
        if (closed) {
            return;
        }
        closed = true;
        forget.run();
        // §6: the session's streams end with it: RESET_STREAM and STOP_SENDING. On the next turn of the event loop: a stream shut down while the connection is
        // still reading (Netty 4.2.18's QUIC) can wait there until something else is sent.
        Set<QuicStreamChannel> open = Set.copyOf(streams);
        connection.eventLoop().execute(() -> {
            for (QuicStreamChannel stream : open) {
                stream.shutdown(SESSION_GONE).addListener(f -> stream.close());
            }
        });
        feature.closed(code, reason);
    }

    @Override
    public EventExecutor executor() {
        return connect.eventLoop();
    }

    @Override
    public ClientConnection client() {
        return client;
    }

    /** Reads the CONNECT stream after the 2xx: capsules (RFC 9297 §3) in DATA frames, and its end. */
    static final class ConnectStream extends io.netty.handler.codec.http3.Http3RequestStreamInboundHandler {
        private final WebTransportSession session;
        private ByteBuf capsules;

        ConnectStream(WebTransportSession session) {
            this.session = session;
        }

        @Override
        protected void channelRead(ChannelHandlerContext ctx, io.netty.handler.codec.http3.Http3HeadersFrame frame) {
            io.netty.util.ReferenceCountUtil.release(frame);
        }

        @Override
        protected void channelRead(ChannelHandlerContext ctx, io.netty.handler.codec.http3.Http3DataFrame frame) {
            ByteBuf content = frame.content().retain();
            frame.release();
            capsules = capsules == null ? content
                    : ctx.alloc().compositeBuffer().addComponents(true, capsules, content);
            for (;;) {
                int start = capsules.readerIndex();
                long type = QuicVarint.read(capsules);
                long length = type < 0 ? QuicVarint.INCOMPLETE : QuicVarint.read(capsules);
                if (length < 0 || capsules.readableBytes() < length) {
                    capsules.readerIndex(start);
                    return;
                }
                if (type == CLOSE_CAPSULE && length >= 4) {
                    long code = capsules.readUnsignedInt();
                    String reason = capsules.readCharSequence((int) length - 4, StandardCharsets.UTF_8).toString();
                    session.closedByPeer(code, reason);
                } else {
                    capsules.skipBytes((int) length); // DRAIN and unknown capsules: nothing to do (RFC 9297 §3.2)
                }
            }
        }

        @Override
        protected void channelInputClosed(ChannelHandlerContext ctx) {
            session.closedByPeer(0, "");
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            session.closedByPeer(0, "CONNECT stream closed");
            ctx.fireChannelInactive();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (capsules != null) {
                capsules.release();
                capsules = null;
            }
        }
    }
}
