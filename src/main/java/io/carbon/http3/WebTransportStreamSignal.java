package io.carbon.http3;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads what starts a WebTransport stream before anything else does, and hands the stream to its session.
 *
 * <p>Why a class of its own, first in the pipeline: a client-initiated bidirectional WebTransport stream starts
 * with the signal value 0x41 and the session id (draft-ietf-webtrans-http3 §4.2), where an HTTP/3 request stream
 * starts with a frame. Netty 4.2.18's HTTP/3 codec, which Netty puts on every bidirectional stream, does not know
 * 0x41: it would read it as an unknown frame type and the session id as that frame's length. So this handler goes
 * first (added by {@link Http3Branch}'s request-stream initializer), reads the first varint itself, and either
 * removes the HTTP/3 handlers and attaches the stream to its session, or removes itself and lets the HTTP/3 codec
 * read the bytes it has seen. A unidirectional stream's type (0x54) Netty has read already; there only the session
 * id follows. {@code WebTransportEndToEndTest} (every stream in it) fails if a Netty upgrade changes what reaches
 * this handler, or puts Netty's codec where this one can no longer go first.
 */
final class WebTransportStreamSignal extends ChannelInboundHandlerAdapter {

    private final WebTransportSessions sessions;
    /** True on a bidirectional stream (the signal comes first); false on a unidirectional one (only the id). */
    private final boolean bidirectional;
    private ByteBuf seen;

    WebTransportStreamSignal(WebTransportSessions sessions, boolean bidirectional) {
        this.sessions = sessions;
        this.bidirectional = bidirectional;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes)) {
            ctx.fireChannelRead(msg);
            return;
        }
        seen = seen == null ? bytes : ctx.alloc().compositeBuffer().addComponents(true, seen, bytes);
        int start = seen.readerIndex();
        if (bidirectional) {
            long signal = QuicVarint.read(seen);
            if (signal == QuicVarint.INCOMPLETE) {
                return;
            }
            if (signal != WebTransportSessions.BIDIRECTIONAL_SIGNAL) {
                // An ordinary request stream: its first bytes are an HTTP/3 frame, for the codec behind us.
                seen.readerIndex(start);
                ByteBuf all = seen;
                seen = null;
                ctx.pipeline().remove(this);
                ctx.fireChannelRead(all);
                return;
            }
        }
        long session = QuicVarint.read(seen);
        if (session == QuicVarint.INCOMPLETE) {
            seen.readerIndex(start);
            return;
        }
        ByteBuf rest = seen;
        seen = null;
        QuicStreamChannel stream = (QuicStreamChannel) ctx.channel();
        // From here on the stream carries the session's bytes only: no HTTP/3 framing on it.
        List<String> others = new ArrayList<>(ctx.pipeline().names());
        for (String name : others) {
            ChannelHandler handler = ctx.pipeline().get(name);
            if (handler != null && handler != this) {
                ctx.pipeline().remove(handler);
            }
        }
        ctx.pipeline().remove(this);
        sessions.attach(session, stream, bidirectional);
        if (rest.isReadable() && stream.isActive()) {
            stream.pipeline().fireChannelRead(rest);
        } else {
            rest.release();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (seen != null) {
            ReferenceCountUtil.release(seen);
            seen = null;
        }
    }
}
