package io.carbon.http1;

import io.carbon.http.Body;
import io.carbon.http.BodyPump;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.epoll.EpollSocketChannelConfig;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.Future;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Puts one response on an HTTP/1.1 connection in the cheapest form: a single write for in-memory bodies,
 * the head then sendfile ({@link DefaultFileRegion}) for file bodies on plain connections, and a
 * {@link BodyPump} where bytes must pass through the JVM or are produced over time (files on TLS, where
 * {@code SslHandler} cannot take a FileRegion; streams). Counts the body bytes that really left, for the
 * access log.
 */
final class ResponseWriter {

    /**
     * The response on its way.
     *
     * @param done      completes after the last write (fails when a write or a read failed)
     * @param bodyBytes body bytes written so far
     * @param pump      the pump writing the body, to be told about writability and disconnects; null when
     *                  the body went out in whole writes
     */
    record Written(Future<?> done, LongSupplier bodyBytes, BodyPump pump) {
    }

    private ResponseWriter() {
    }

    /**
     * @param withBody false for HEAD and bodiless statuses: the body is released, the headers kept
     * @param zeroCopy true to send files with sendfile (plain connections)
     */
    static Written write(ChannelHandlerContext ctx, HttpResponseStatus status, HttpHeaders headers, Body body,
                         boolean withBody, boolean zeroCopy) {
        if (!withBody) {
            body.release();
            body = Body.EMPTY;
        }
        AtomicLong sent = new AtomicLong();
        if (body instanceof Body.Empty) {
            return new Written(ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.EMPTY_BUFFER, headers, EmptyHttpHeaders.INSTANCE)), sent::get, null);
        }
        if (body instanceof Body.Bytes bytes) {
            int length = bytes.content().readableBytes();
            ChannelFuture done = ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    bytes.content(), headers, EmptyHttpHeaders.INSTANCE));
            done.addListener(f -> {
                if (f.isSuccess()) {
                    sent.addAndGet(length);
                }
            });
            return new Written(done, sent::get, null);
        }
        if (zeroCopy && sendfileable(body)) {
            // TCP_CORK (nginx's tcp_nopush) while head and file go out, so the head rides in the first full
            // segment instead of a small packet of its own; uncorked when the response is written.
            EpollSocketChannelConfig epoll = ctx.channel().config() instanceof EpollSocketChannelConfig c ? c : null;
            if (epoll != null) {
                epoll.setTcpCork(true);
            }
            ctx.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, status, headers));
            writeZeroCopy(ctx, body, sent);
            ChannelFuture done = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            if (epoll != null) {
                done.addListener(f -> {
                    if (ctx.channel().isOpen()) {
                        epoll.setTcpCork(false);
                    }
                });
            }
            return new Written(done, sent::get, null);
        }
        ctx.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, status, headers));
        // The head goes out now: a stream's first piece may take a while (server-sent events, a slow disk).
        ctx.flush();
        BodyPump pump = new BodyPump(body, ctx.executor(), ctx.alloc(), new BodyPump.Sink() {
            @Override
            public boolean writable() {
                return ctx.channel().isWritable();
            }

            @Override
            public ChannelFuture write(ByteBuf piece, boolean last) {
                return ctx.write(last ? new DefaultLastHttpContent(piece) : new DefaultHttpContent(piece));
            }

            @Override
            public void flush() {
                ctx.flush();
            }
        });
        pump.pump();
        return new Written(pump.done(), pump::bytes, pump);
    }

    /** A sendfile region that releases its segment instead of always closing the channel. */
    private static final class SegmentRegion extends DefaultFileRegion {
        private final Body.FileSegment segment;

        SegmentRegion(Body.FileSegment segment) {
            super(segment.channel(), segment.offset(), segment.length());
            this.segment = segment;
        }

        @Override
        protected void deallocate() {
            segment.release();
        }
    }

    /** Bytes and file segments only: what sendfile plus plain writes can carry. */
    private static boolean sendfileable(Body body) {
        if (body instanceof Body.Parts parts) {
            return parts.parts().stream().allMatch(ResponseWriter::sendfileable);
        }
        return body instanceof Body.Bytes || body instanceof Body.FileSegment || body instanceof Body.Empty;
    }

    private static void writeZeroCopy(ChannelHandlerContext ctx, Body body, AtomicLong sent) {
        if (body instanceof Body.Bytes bytes) {
            int length = bytes.content().readableBytes();
            ctx.write(new DefaultHttpContent(bytes.content())).addListener(f -> {
                if (f.isSuccess()) {
                    sent.addAndGet(length);
                }
            });
        } else if (body instanceof Body.FileSegment file) {
            // The region releases the segment once written or failed: closes its channel, or gives it back.
            DefaultFileRegion region = new SegmentRegion(file);
            ctx.write(region).addListener(f -> sent.addAndGet(region.transferred()));
        } else if (body instanceof Body.Parts parts) {
            for (Body part : parts.parts()) {
                writeZeroCopy(ctx, part, sent);
            }
        }
    }
}
