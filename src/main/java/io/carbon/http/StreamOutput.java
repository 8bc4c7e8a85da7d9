package io.carbon.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.EventExecutor;

/**
 * Where the frames of one request stream's response go: an HTTP/3 stream channel (a real QUIC stream with its own
 * pipeline, {@link #of(ChannelHandlerContext)}), or an HTTP/2 stream that is only an id on its connection's
 * pipeline (the HTTP/2 branch stamps each frame with its stream and asks the peer's flow control whether the
 * stream can take more). {@link FramedRequestStream}, {@link StreamResponseWriter} and {@link BodyPump} write
 * through it, so the request-stream and response logic exists once for both. Event loop only.
 */
public interface StreamOutput {

    /** Writes one frame of this stream (not flushed). */
    ChannelFuture write(Object frame);

    /**
     * Asks for what was written to leave. A branch may put it off to the end of the current read (one flush per
     * read batch); outside a read it flushes at once.
     */
    void flush();

    default ChannelFuture writeAndFlush(Object frame) {
        ChannelFuture written = write(frame);
        flush();
        return written;
    }

    /** True while the stream's flow-control window and the connection's outbound buffer have room. */
    boolean isWritable();

    /** False once the stream was closed or reset, or its connection went away. */
    boolean isOpen();

    EventExecutor executor();

    ByteBufAllocator alloc();

    /** A stream that is a channel of its own: its handler's context. */
    static StreamOutput of(ChannelHandlerContext ctx) {
        return new StreamOutput() {
            @Override
            public ChannelFuture write(Object frame) {
                return ctx.write(frame);
            }

            @Override
            public void flush() {
                ctx.flush();
            }

            @Override
            public ChannelFuture writeAndFlush(Object frame) {
                return ctx.writeAndFlush(frame);
            }

            @Override
            public boolean isWritable() {
                return ctx.channel().isWritable();
            }

            @Override
            public boolean isOpen() {
                return ctx.channel().isActive();
            }

            @Override
            public EventExecutor executor() {
                return ctx.executor();
            }

            @Override
            public ByteBufAllocator alloc() {
                return ctx.alloc();
            }
        };
    }
}
