package io.carbon.http3;

import io.carbon.http.Body;
import io.carbon.http.BodyPump;
import io.carbon.http.FramedResponseHeaders;
import io.carbon.http.PreparedHeaders;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3Headers;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.concurrent.Future;

/**
 * Puts one response on a request stream: HEADERS, then the body as DATA frames paced by the stream's
 * writability (which follows the peer's QUIC flow-control credit and our outbound buffer), then the end of
 * the stream (FIN, by shutting its output down: RFC 9114 §4.1). QUIC has no sendfile: files are read in chunks
 * on the blocking pool by {@link BodyPump}. Counts the body bytes that left and releases every part of the body
 * on every path.
 */
final class Http3ResponseWriter {

    private final ChannelHandlerContext ctx;
    private BodyPump pump;
    /** A body written whole (bytes in memory): its write, and its length. */
    private ChannelFuture wholeWrite;
    private long wholeLength;

    Http3ResponseWriter(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Body bytes written so far (final once {@link #write}'s future completed). */
    long bodyBytes() {
        if (wholeWrite != null) {
            return wholeWrite.isSuccess() ? wholeLength : 0;
        }
        return pump == null ? 0 : pump.bytes();
    }

    /**
     * @param withBody false for HEAD, 204 and 304: the headers (with Content-Length) go out, the body is released
     * @return completes when the stream's output was shut down after the last frame, or failed when the stream
     *         went away first
     */
    Future<?> write(HttpResponseStatus status, HttpHeaders headers, Body body, boolean withBody) {
        return write(responseHeaders(status, headers), body, withBody);
    }

    /** The same with the header block already made ({@link #preparedHeaders}). */
    Future<?> write(Http3Headers head, Body body, boolean withBody) {
        if (!withBody || body.length() == 0) {
            body.release();
            return end(ctx.writeAndFlush(new DefaultHttp3HeadersFrame(head)));
        }
        if (body instanceof Body.Bytes bytes) {
            // In memory already (a retained slice of cached bytes): one DATA frame; QUIC sends it as the peer's
            // credit allows.
            wholeLength = bytes.length();
            ctx.write(new DefaultHttp3HeadersFrame(head));
            wholeWrite = ctx.writeAndFlush(new DefaultHttp3DataFrame(bytes.content()));
            return end(wholeWrite);
        }
        pump = new BodyPump(body, ctx.executor(), ctx.alloc(), new BodyPump.Sink() {
            @Override
            public boolean writable() {
                return ctx.channel().isWritable();
            }

            @Override
            public ChannelFuture write(ByteBuf piece, boolean last) {
                ChannelFuture written = ctx.write(new DefaultHttp3DataFrame(piece));
                if (last) {
                    written.addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
                }
                return written;
            }

            @Override
            public void flush() {
                ctx.flush();
            }
        });
        ctx.write(new DefaultHttp3HeadersFrame(head)).addListener(f -> {
            if (!f.isSuccess()) {
                pump.abort(f.cause());
            }
        });
        ctx.flush(); // the first piece of a file or stream may take a while
        pump.pump();
        return pump.done();
    }

    /** FIN after the last frame: the response is complete (RFC 9114 §4.1). */
    private ChannelFuture end(ChannelFuture lastWrite) {
        lastWrite.addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                ((QuicStreamChannel) f.channel()).shutdownOutput();
            }
        });
        return lastWrite;
    }

    /** Writes more when the stream became writable again. */
    void pump() {
        if (pump != null) {
            pump.pump();
        }
    }

    /** The stream went away (reset, connection closed): frees what was not written. */
    void peerGone() {
        if (pump != null) {
            pump.abort(BodyPump.peerGone());
        }
    }

    static Http3Headers preparedHeaders(PreparedHeaders fields, PreparedHeaders standard) {
        return FramedResponseHeaders.prepared(new DefaultHttp3Headers(false, fields.size() + standard.size() + 1),
                fields, standard);
    }

    static Http3Headers responseHeaders(HttpResponseStatus status, HttpHeaders headers) {
        return FramedResponseHeaders.of(new DefaultHttp3Headers(false, headers.size() + 1), status, headers);
    }
}
