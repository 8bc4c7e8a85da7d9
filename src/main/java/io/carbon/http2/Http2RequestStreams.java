package io.carbon.http2;

import io.carbon.config.HttpConfig;
import io.carbon.http.Exchanges;
import io.carbon.http.StreamOutput;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.ChannelOutputShutdownEvent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2FrameStreamEvent;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexActiveStreamsException;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import io.netty.util.concurrent.EventExecutor;

import javax.net.ssl.SSLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Answers the request streams of one HTTP/2 connection on the connection's own pipeline, between the frame codec and
 * Netty's multiplexer: frames carry their stream, and each stream is an {@link Http2RequestStream} (plain state, no
 * channel, no pipeline) kept by id. What is written while the codec delivers a read batch leaves with one flush when
 * the batch ends; what is written later (an answer from the blocking pool, a timer, a window that opened) is flushed
 * at once.
 *
 * <p>Only an extended CONNECT (RFC 8441, {@code :protocol} present) gets a stream channel: the codec announces every
 * new stream with a state event before its HEADERS frame, and the multiplexer makes a channel when it sees that event.
 * So the event is held back until the HEADERS frame says what the stream is; a tunnel's event and frames then go on to
 * the multiplexer (a tunnel installs handlers into a pipeline, see {@link Http2StreamHandler}), and nothing of any
 * other stream reaches it: the multiplexer assumes every stream it sees has its channel. It also visits every active
 * stream's channel on some connection-wide events (the connection became writable, input or output shut down, TLS
 * closed, TLS errors); while streams answered here are open, those events skip the multiplexer and reach the stream
 * channels from here, and a writability change is given to the multiplexer once no such stream is left.
 *
 * <p>Inbound flow control is as a stream channel does it: a DATA frame's bytes go back to the stream's window (and the
 * connection's) when the read batch that brought it ends, whether the body is kept, refused (413) or timed out (408);
 * the codec returns what a closed stream never consumed. Outbound, a stream can take more while the peer's window for
 * it has room and the socket's buffer is below its high-water mark; the codec's writability events and the
 * connection's writability changes pump its body again. Per-connection state: never shared.
 */
final class Http2RequestStreams extends ChannelInboundHandlerAdapter {

    private final Supplier<Exchanges> exchanges;
    private final HttpConfig config;
    private final boolean secure;
    private final boolean extendedConnect;

    private ChannelHandlerContext ctx;
    private Http2Connection connection;
    private Http2RemoteFlowController flow;
    /** Streams answered here, by id, from their first state event until they close. */
    private final IntObjectMap<Own> own = new IntObjectHashMap<>();
    /** Streams handed to the multiplexer (extended CONNECT), by id, until they close. */
    private final IntObjectMap<Boolean> tunnels = new IntObjectHashMap<>(4);
    /** The multiplexer's stream channels that are open (the tunnels'). */
    private final Set<Channel> streamChannels = new HashSet<>(4);
    /** Streams that read DATA in this read batch, whose bytes go back to flow control when it ends. */
    private final List<Own> consuming = new ArrayList<>();
    /** Between the codec's first frame of a read batch and the batch's end. */
    private boolean reading;
    private boolean flushWanted;
    /** The connection became writable while streams answered here were open: the multiplexer has not seen it. */
    private boolean writabilityOwed;

    Http2RequestStreams(Supplier<Exchanges> exchanges, HttpConfig config, boolean secure, boolean extendedConnect) {
        this.exchanges = exchanges;
        this.config = config;
        this.secure = secure;
        this.extendedConnect = extendedConnect;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        connection = ctx.pipeline().get(Http2FrameCodec.class).connection();
        flow = connection.remote().flowController();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        if (msg instanceof Http2StreamFrame frame && frame.stream() != null
                && !tunnels.containsKey(frame.stream().id())) {
            onStreamFrame(frame);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private void onStreamFrame(Http2StreamFrame frame) {
        Own stream = own.get(frame.stream().id());
        try {
            if (frame instanceof Http2DataFrame data) {
                // As a stream channel does: the bytes go back to flow control once the read batch that brought
                // them is over (see channelReadComplete), whatever became of them.
                int bytes = data.initialFlowControlledBytes();
                if (stream == null) {
                    consume(data.stream(), bytes);
                } else if (bytes > 0) {
                    if (stream.unconsumed == 0) {
                        consuming.add(stream);
                    }
                    stream.unconsumed += bytes;
                }
                if (stream != null && stream.request != null) {
                    stream.request.onData(data);
                }
            } else if (stream == null) {
                return; // a closed stream's straggler: the codec has answered what needed an answer
            } else if (frame instanceof Http2HeadersFrame headers) {
                if (stream.request == null) {
                    if (extendedConnect && stream.held != null
                            && headers.headers().contains(Http2Headers.PseudoHeaderName.PROTOCOL.value())) {
                        toMultiplexer(stream, headers);
                        return;
                    }
                    stream.held = null;
                    stream.request = new Http2RequestStream(exchanges, config, secure, extendedConnect, stream,
                            ctx.channel(), null);
                }
                stream.request.onHeaders(headers);
            } else if (frame instanceof Http2ResetFrame) {
                if (stream.request != null) {
                    stream.request.onReset(); // the CLOSED state event follows
                }
            }
            // PRIORITY (deprecated, RFC 9113 §5.3.2), WINDOW_UPDATE (the codec's flow controller has it), others:
            // nothing to do.
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    /** An extended CONNECT: the stream channel is made now, exactly as for any stream before. */
    private void toMultiplexer(Own stream, Http2HeadersFrame headers) {
        int id = stream.frameStream.id();
        own.remove(id);
        tunnels.put(id, Boolean.TRUE);
        ctx.fireUserEventTriggered(stream.held);
        ctx.fireChannelRead(headers);
        settleWritability();
    }

    /** Returns {@code bytes} of {@code stream} to flow control (the codec turns this into consumeBytes). */
    private void consume(Http2FrameStream stream, int bytes) {
        if (bytes > 0) {
            ctx.write(new DefaultHttp2WindowUpdateFrame(bytes).stream(stream), ctx.voidPromise());
            flushWanted = true;
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        if (!consuming.isEmpty()) {
            for (Own stream : consuming) {
                if (!stream.closed) { // a closed stream's bytes went back to the connection with its close
                    consume(stream.frameStream, stream.unconsumed);
                }
                stream.unconsumed = 0;
            }
            consuming.clear();
        }
        if (flushWanted) {
            flushWanted = false;
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }

    /** One flush per read batch; outside one (an answer from another thread's work, a timer), at once. */
    private void flushSoon() {
        if (reading) {
            flushWanted = true;
        } else {
            ctx.flush();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2FrameStreamEvent event) {
            onStreamEvent(event);
            return;
        }
        if (!own.isEmpty() && (evt == ChannelInputShutdownReadComplete.INSTANCE
                || evt == ChannelOutputShutdownEvent.INSTANCE || evt == SslCloseCompletionEvent.SUCCESS)) {
            // The multiplexer would give these to every active stream's channel, and ours have none.
            for (Channel channel : List.copyOf(streamChannels)) {
                channel.pipeline().fireUserEventTriggered(evt);
            }
            pastMultiplexer().fireUserEventTriggered(evt);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void onStreamEvent(Http2FrameStreamEvent event) {
        Http2FrameStream frameStream = event.stream();
        int id = frameStream.id();
        if (tunnels.containsKey(id)) {
            if (event.type() == Http2FrameStreamEvent.Type.State && frameStream.state() == Http2Stream.State.CLOSED) {
                tunnels.remove(id);
            }
            ctx.fireUserEventTriggered(event);
            return;
        }
        Own stream = own.get(id);
        if (event.type() == Http2FrameStreamEvent.Type.Writability) {
            if (stream != null && stream.request != null && stream.isWritable()) {
                stream.request.onWritable();
            }
            return;
        }
        if (frameStream.state() == Http2Stream.State.CLOSED) {
            if (stream != null) {
                own.remove(id);
                stream.close();
                settleWritability();
            }
            return;
        }
        if (stream == null && (connection.remote().isValidStreamId(id) || id == 1)) {
            // A new stream (or the h2c upgrade's stream 1, half-closed with the upgraded request): held until its
            // HEADERS frame, which the codec delivers right after, says whether it is a tunnel.
            stream = new Own(frameStream, event, connection.stream(id));
            own.put(id, stream);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && !own.isEmpty()) {
            List<Own> waiting = null;
            for (Own stream : own.values()) {
                if (stream.request != null && stream.request.writing()) {
                    if (waiting == null) {
                        waiting = new ArrayList<>();
                    }
                    waiting.add(stream);
                }
            }
            if (waiting != null) {
                for (Own stream : waiting) {
                    if (stream.isWritable()) {
                        stream.request.onWritable();
                    }
                }
            }
        }
        if (own.isEmpty()) {
            ctx.fireChannelWritabilityChanged();
        } else {
            // The multiplexer would visit our streams as if they had channels: it hears of this once they are gone.
            writabilityOwed = !tunnels.isEmpty();
            pastMultiplexer().fireChannelWritabilityChanged();
        }
    }

    /** Gives the multiplexer the writability change it missed, once only stream channels are left. */
    private void settleWritability() {
        if (writabilityOwed && own.isEmpty()) {
            writabilityOwed = false;
            if (ctx.channel().isWritable()) {
                ctx.fireChannelWritabilityChanged();
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof Http2FrameStreamException streamException
                && !tunnels.containsKey(streamException.stream().id())) {
            Own stream = own.get(streamException.stream().id());
            if (stream != null) {
                stream.streamError(streamException.error());
            }
            return;
        }
        if (!own.isEmpty() && (cause instanceof Http2MultiplexActiveStreamsException
                || cause.getCause() instanceof SSLException)) {
            // What the multiplexer does with these, without visiting our streams (they have no channel).
            Throwable forStreams = cause instanceof Http2MultiplexActiveStreamsException ? cause.getCause() : cause;
            for (Channel channel : List.copyOf(streamChannels)) {
                channel.pipeline().fireExceptionCaught(forStreams);
            }
            if (!(cause instanceof Http2MultiplexActiveStreamsException)) {
                pastMultiplexer().fireExceptionCaught(cause);
            }
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // The codec closes every stream when the connection goes; this is for any it did not tell us about.
        if (!own.isEmpty()) {
            List<Own> left = new ArrayList<>(own.values());
            own.clear();
            for (Own stream : left) {
                stream.close();
            }
        }
        ctx.fireChannelInactive();
    }

    /** A tunnel's stream channel, until it closes: it gets the connection-wide events the multiplexer would give. */
    void streamChannelOpened(Channel channel) {
        if (streamChannels.add(channel)) {
            channel.closeFuture().addListener(f -> streamChannels.remove(channel));
        }
    }

    /** The context whose next handler comes after the multiplexer. */
    private ChannelHandlerContext pastMultiplexer() {
        ChannelHandlerContext multiplexer = ctx.pipeline().context(Http2MultiplexHandler.class);
        return multiplexer != null ? multiplexer : ctx;
    }

    static Http2Exception.StreamException streamError(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof Http2Exception.StreamException streamError) {
                return streamError;
            }
        }
        return null;
    }

    /** A stream answered here: its frames are written on the connection, stamped with the stream. */
    private final class Own implements StreamOutput {
        final Http2FrameStream frameStream;
        /** The codec's announcement of the stream, until its HEADERS frame decides who answers it. */
        Http2FrameStreamEvent held;
        final Http2Stream stream;
        Http2RequestStream request;
        boolean closed;
        /** DATA bytes read in this read batch, not yet returned to flow control. */
        int unconsumed;

        Own(Http2FrameStream frameStream, Http2FrameStreamEvent held, Http2Stream stream) {
            this.frameStream = frameStream;
            this.held = held;
            this.stream = stream;
        }

        void close() {
            closed = true;
            held = null;
            if (request != null) {
                request.closed();
            }
        }

        void streamError(Http2Error error) {
            if (request != null) {
                request.onStreamError(error);
            } else if (isOpen()) {
                // HEADERS the codec refused before we saw them: RFC 9113 §5.4.2, the real code.
                writeAndFlush(new DefaultHttp2ResetFrame(error));
            }
        }

        @Override
        public ChannelFuture write(Object frame) {
            if (frame instanceof Http2StreamFrame streamFrame) {
                streamFrame.stream(frameStream);
            }
            return ctx.write(frame);
        }

        @Override
        public void flush() {
            flushSoon();
        }

        @Override
        public boolean isWritable() {
            return isOpen() && ctx.channel().isWritable() && (stream == null || flow.isWritable(stream));
        }

        @Override
        public boolean isOpen() {
            return !closed && ctx.channel().isActive();
        }

        @Override
        public EventExecutor executor() {
            return ctx.executor();
        }

        @Override
        public ByteBufAllocator alloc() {
            return ctx.alloc();
        }
    }
}
