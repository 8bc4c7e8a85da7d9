package io.carbon.http3;

import io.carbon.http.ClientConnection;
import io.carbon.http.Session;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/**
 * The WebTransport sessions of one QUIC connection (draft-ietf-webtrans-http3): each is named by the id of the
 * request stream whose extended CONNECT opened it. On the connection's pipeline it takes the QUIC datagrams
 * (RFC 9221), whose quarter-stream-id prefix (RFC 9297 §2.1) names the session, and it hands the streams that
 * {@link WebTransportStreamSignal} and the unidirectional stream type 0x54 name to their session. Event loop only.
 */
final class WebTransportSessions extends ChannelInboundHandlerAdapter {

    /** WebTransport's unidirectional stream type (draft-ietf-webtrans-http3 §4.2). */
    static final long UNIDIRECTIONAL_STREAM_TYPE = 0x54;
    /** The signal value that starts a WebTransport bidirectional stream (§4.2). */
    static final long BIDIRECTIONAL_SIGNAL = 0x41;
    /** WT_BUFFERED_STREAM_REJECTED: a stream for a session that does not exist (§4.5). */
    static final long STREAM_REJECTED = 0x3994bd84L;

    private final int maxSessions;
    private final int maxStreamsPerSession;
    private final Map<Long, WebTransportSession> sessions = new HashMap<>();
    private QuicChannel connection;

    WebTransportSessions(int maxSessions, int maxStreamsPerSession) {
        this.maxSessions = maxSessions;
        this.maxStreamsPerSession = maxStreamsPerSession;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        connection = (QuicChannel) ctx.channel();
    }

    /**
     * Opens the session of an accepted extended CONNECT on {@code connect}; null when this connection already has
     * {@code webtransport_max_sessions} open.
     */
    WebTransportSession open(QuicStreamChannel connect, Session feature, ClientConnection client) {
        if (sessions.size() >= maxSessions) {
            return null;
        }
        WebTransportSession session = new WebTransportSession(connect.streamId(), connect, connection, feature, client,
                maxStreamsPerSession, () -> sessions.remove(connect.streamId()));
        sessions.put(connect.streamId(), session);
        return session;
    }

    /** A stream the client opened for session {@code id}: attached, or reset when there is no such session. */
    void attach(long id, QuicStreamChannel stream, boolean bidirectional) {
        WebTransportSession session = sessions.get(id);
        if (session == null || !session.accept(stream, bidirectional)) {
            // No buffering of streams that arrive before (or after) their session: they are refused.
            stream.shutdown((int) STREAM_REJECTED);
            stream.close();
        }
    }

    /** The handler for a unidirectional stream of {@code type}: WebTransport's, or one that discards. */
    ChannelHandler unidirectional(long type) {
        if (type == UNIDIRECTIONAL_STREAM_TYPE) {
            return new WebTransportStreamSignal(this, false);
        }
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg); // RFC 9114 §9: unknown stream types are ignored
            }
        };
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf datagram)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            long quarterStreamId = QuicVarint.read(datagram);
            WebTransportSession session = quarterStreamId < 0 ? null : sessions.get(quarterStreamId * 4);
            if (session != null) {
                session.datagramIn(datagram.retainedSlice());
            }
            // A datagram for no open session is dropped (RFC 9297 §2.1 allows it; they may race the CONNECT).
        } finally {
            datagram.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        for (WebTransportSession session : new ArrayList<>(sessions.values())) {
            session.connectionGone();
        }
        sessions.clear();
        ctx.fireChannelInactive();
    }
}
