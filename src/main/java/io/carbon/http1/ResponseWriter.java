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

import java.nio.charset.StandardCharsets;
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
     * @param last     true when the connection closes after this response (see {@link #corkForClose})
     */
    static Written write(ChannelHandlerContext ctx, HttpResponseStatus status, HttpHeaders headers, Body body,
                         boolean withBody, boolean zeroCopy, boolean last) {
        if (!withBody) {
            body.release();
            body = Body.EMPTY;
        }
        AtomicLong sent = new AtomicLong();
        if (last && (body instanceof Body.Empty || body instanceof Body.Bytes || zeroCopy && sendfileable(body))) {
            corkForClose(ctx);
        }
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
            EpollSocketChannelConfig epoll = last ? null : cork(ctx);
            ctx.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, status, headers));
            writeZeroCopy(ctx, body, sent);
            ChannelFuture done = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            uncorkAfter(ctx, epoll, done);
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

    private static final byte[] STATUS_200 = "HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CRLF = {'\r', '\n'};
    /**
     * A body up to this size is copied behind the head: one buffer, one write and one system call's single
     * vector, instead of a second queued message (its promise, its entry, its release). Above it, the copy
     * would cost more than it saves: the kernel copies the bytes anyway.
     */
    private static final int COPIED_BODY_MAX = 4096;

    /** True when {@link #writePrepared} can carry {@code body}: bytes, nothing, or a file by sendfile. */
    static boolean preparable(Body body, boolean zeroCopy) {
        return body instanceof Body.Bytes || body instanceof Body.Empty
                || zeroCopy && body instanceof Body.FileSegment;
    }

    /**
     * Writes a 200 whose head is already in wire form (a cached file's prepared fields, the standard lines of
     * this second, and the connection line): the head is one copy of bytes into one buffer, written below the
     * response encoder ({@code wire} is the codec's context), followed by the body as it is (a retained
     * slice of cached bytes, or a file by sendfile). No header map is built, and nothing is encoded per field.
     *
     * @param lines the header lines in order, each ending in CRLF; null entries are skipped
     * @param body  a body that {@link #preparable} accepts
     * @param last  true when the connection closes after this response (see {@link #corkForClose})
     */
    static Written writePrepared(ChannelHandlerContext ctx, ChannelHandlerContext wire, byte[][] lines, Body body,
                                 boolean withBody, boolean last) {
        if (!withBody) {
            body.release();
            body = Body.EMPTY;
        }
        if (last) {
            corkForClose(ctx);
        }
        int size = STATUS_200.length + CRLF.length;
        for (byte[] line : lines) {
            size += line == null ? 0 : line.length;
        }
        int copied = body instanceof Body.Bytes small && small.content().readableBytes() <= COPIED_BODY_MAX
                ? small.content().readableBytes() : 0;
        ByteBuf head = ctx.alloc().directBuffer(size + copied);
        head.writeBytes(STATUS_200);
        for (byte[] line : lines) {
            if (line != null) {
                head.writeBytes(line);
            }
        }
        head.writeBytes(CRLF);
        if (copied > 0) {
            ByteBuf content = ((Body.Bytes) body).content();
            head.writeBytes(content, content.readerIndex(), copied);
            body.release();
            ChannelFuture done = wire.writeAndFlush(head);
            return new Written(done, () -> done.isSuccess() ? copied : 0, null);
        }
        if (body instanceof Body.Bytes bytes) {
            int length = bytes.content().readableBytes();
            wire.write(head);
            ChannelFuture done = wire.writeAndFlush(bytes.content());
            return new Written(done, () -> done.isSuccess() ? length : 0, null);
        }
        if (body instanceof Body.FileSegment file) {
            EpollSocketChannelConfig epoll = last ? null : cork(ctx);
            wire.write(head);
            DefaultFileRegion region = new SegmentRegion(file);
            ChannelFuture done = wire.writeAndFlush(region);
            uncorkAfter(ctx, epoll, done);
            return new Written(done, region::transferred, null);
        }
        return new Written(wire.writeAndFlush(head), () -> 0, null);
    }

    /**
     * TCP_CORK (nginx's tcp_nopush) while head and file go out, so the head rides in the first full
     * segment instead of a small packet of its own; null when the transport has no cork.
     */
    private static EpollSocketChannelConfig cork(ChannelHandlerContext ctx) {
        EpollSocketChannelConfig epoll = ctx.channel().config() instanceof EpollSocketChannelConfig c ? c : null;
        if (epoll != null) {
            epoll.setTcpCork(true);
        }
        return epoll;
    }

    /**
     * Corks a connection for its last response, written whole, and leaves it corked: the close that follows
     * the write puts the FIN into the response's last segment (RFC 9293 allows FIN with data), as nginx's
     * close does, instead of a packet of its own that the client must take and wake up for separately. A
     * client that reads to the end of the connection (HTTP/1.0, ab) gets response and end in one read. The
     * kernel sends corked data after 200 ms at the latest, so a close that never comes delays, never loses.
     */
    private static void corkForClose(ChannelHandlerContext ctx) {
        cork(ctx);
    }

    /** Uncorks once the response is written (nothing to do for null). */
    private static void uncorkAfter(ChannelHandlerContext ctx, EpollSocketChannelConfig epoll, ChannelFuture done) {
        if (epoll != null) {
            done.addListener(f -> {
                if (ctx.channel().isOpen()) {
                    epoll.setTcpCork(false);
                }
            });
        }
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
