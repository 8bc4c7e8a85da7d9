package io.carbon.http2;

import io.carbon.http.Body;
import io.carbon.http.FramedResponseHeaders;
import io.carbon.http.PreparedHeaders;
import io.carbon.http.BodyPump;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.Future;

/**
 * Puts one response on a stream channel: HEADERS, then the body as DATA frames paced by the stream's
 * writability (which follows the peer's flow-control windows and our outbound buffer), so a 1 GiB file never
 * sits in memory. Files are read in chunks on the blocking pool by {@link BodyPump}, never as a
 * {@code FileRegion} (the HTTP/2 framing needs the bytes). Counts the body bytes that really left and releases
 * every part of the body on every path.
 */
final class Http2ResponseWriter {

    private final ChannelHandlerContext ctx;
    private BodyPump pump;
    /** A body written whole (bytes in memory): its write, and its length. */
    private ChannelFuture wholeWrite;
    private long wholeLength;

    Http2ResponseWriter(ChannelHandlerContext ctx) {
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
     * @return completes when the last frame was written, or failed when the stream went away first
     */
    Future<?> write(HttpResponseStatus status, HttpHeaders headers, Body body, boolean withBody) {
        return write(responseHeaders(status, headers), body, withBody);
    }

    /** The same with the header block already made ({@link #preparedHeaders}). */
    Future<?> write(Http2Headers head, Body body, boolean withBody) {
        if (!withBody || body.length() == 0) {
            body.release();
            return ctx.writeAndFlush(new DefaultHttp2HeadersFrame(head, true));
        }
        if (body instanceof Body.Bytes bytes) {
            // Already in memory (a retained slice of cached bytes): one DATA frame, which Netty's flow
            // controller splits by window and frame size as the peer allows; nothing to read or pace here.
            wholeLength = bytes.length();
            ctx.write(new DefaultHttp2HeadersFrame(head, false));
            wholeWrite = ctx.writeAndFlush(new DefaultHttp2DataFrame(bytes.content(), true));
            return wholeWrite;
        }
        pump = new BodyPump(body, ctx.executor(), ctx.alloc(), new BodyPump.Sink() {
            @Override
            public boolean writable() {
                return ctx.channel().isWritable();
            }

            @Override
            public ChannelFuture write(ByteBuf piece, boolean last) {
                // Netty's flow controller splits a large piece by window and SETTINGS_MAX_FRAME_SIZE.
                return ctx.write(new DefaultHttp2DataFrame(piece, last));
            }

            @Override
            public void flush() {
                ctx.flush();
            }
        });
        ctx.write(new DefaultHttp2HeadersFrame(head, false)).addListener(f -> {
            if (!f.isSuccess()) {
                pump.abort(f.cause());
            }
        });
        if (!(body instanceof Body.Bytes)) {
            ctx.flush(); // the first piece of a file or stream may take a while
        }
        pump.pump();
        return pump.done();
    }

    /** Writes more when the stream became writable again. */
    void pump() {
        if (pump != null) {
            pump.pump();
        }
    }

    /** The stream is gone (reset, connection closed): frees what was not written. */
    void abort(Throwable cause) {
        if (pump != null) {
            pump.abort(cause);
        }
    }

    /** The stream closed: stops a body still being pumped (the exception is only made for one). */
    void peerGone() {
        if (pump != null) {
            pump.abort(BodyPump.peerGone());
        }
    }

    /** A 200 header block from prepared fields (a cached file's, then the standard ones of this second). */
    static Http2Headers preparedHeaders(PreparedHeaders fields, PreparedHeaders standard) {
        return FramedResponseHeaders.prepared(new DefaultHttp2Headers(false, fields.size() + standard.size() + 1),
                fields, standard);
    }

    /** RFC 9113 §8.2: lowercase names, no connection-specific fields, {@code :status} first. */
    static Http2Headers responseHeaders(HttpResponseStatus status, HttpHeaders headers) {
        return FramedResponseHeaders.of(new DefaultHttp2Headers(false, headers.size() + 1), status, headers);
    }
}
