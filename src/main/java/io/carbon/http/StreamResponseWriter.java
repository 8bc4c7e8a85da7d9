package io.carbon.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.Future;

/**
 * Puts one response on a request stream of HTTP/2 or HTTP/3: HEADERS, then the body as DATA frames paced by the
 * stream's writability (which follows the peer's flow control and our outbound buffer), so a 1 GiB file never
 * sits in memory. Files are read in chunks on the blocking pool by {@link BodyPump}, never as a
 * {@code FileRegion} (the framing needs the bytes). Counts the body bytes that really left and releases every part
 * of the body on every path. A branch supplies its header blocks, its frames, how its stream ends and its
 * {@link StreamOutput}; {@link FramedRequestStream} drives it. One per response.
 *
 * @param <H> the branch's header block
 */
public abstract class StreamResponseWriter<H> {

    protected final StreamOutput out;
    private BodyPump pump;
    /** A body written whole (bytes in memory): its write, and its length. */
    private ChannelFuture wholeWrite;
    private long wholeLength;

    protected StreamResponseWriter(StreamOutput out) {
        this.out = out;
    }

    /** RFC 9113 §8.2, RFC 9114 §4.2: lowercase names, no connection-specific fields, {@code :status} first. */
    protected abstract H responseHead(HttpResponseStatus status, HttpHeaders headers);

    /** A 200 header block from prepared fields (a cached file's, then the standard ones of this second). */
    protected abstract H preparedHead(PreparedHeaders fields, PreparedHeaders standard);

    /** A HEADERS frame; {@code endStream} when no DATA follows. */
    protected abstract Object headersFrame(H head, boolean endStream);

    /** A DATA frame; {@code endStream} on the last one. */
    protected abstract Object dataFrame(ByteBuf data, boolean endStream);

    /**
     * What ends the stream once its last frame is written: nothing more on HTTP/2 (END_STREAM is a flag of that
     * frame), the stream's FIN on HTTP/3.
     */
    protected ChannelFuture ended(ChannelFuture lastWrite) {
        return lastWrite;
    }

    /** Body bytes written so far (final once {@link #write}'s future completed). */
    public long bodyBytes() {
        if (wholeWrite != null) {
            return wholeWrite.isSuccess() ? wholeLength : 0;
        }
        return pump == null ? 0 : pump.bytes();
    }

    /** See {@link #write(Object, Body, boolean)}. */
    public Future<?> write(HttpResponseStatus status, HttpHeaders headers, Body body, boolean withBody) {
        return write(responseHead(status, headers), body, withBody);
    }

    /** A cached file's 200 with its prepared fields: see {@link #write(Object, Body, boolean)}. */
    public Future<?> writePrepared(PreparedHeaders fields, PreparedHeaders standard, Body body, boolean withBody) {
        return write(preparedHead(fields, standard), body, withBody);
    }

    /**
     * A head after which the stream stays open: an interim response (100 Continue), or a tunnel's 2xx to an
     * extended CONNECT (RFC 8441 §5, RFC 9220 §3). No END_STREAM, no FIN, and nothing else is written here.
     */
    public ChannelFuture writeHead(HttpResponseStatus status, HttpHeaders headers) {
        return out.writeAndFlush(headersFrame(responseHead(status, headers), false));
    }

    /**
     * @param withBody false for HEAD, 204 and 304: the headers (with Content-Length) go out, the body is released
     * @return completes when the stream's last frame was written, or failed when the stream went away first
     */
    public Future<?> write(H head, Body body, boolean withBody) {
        if (!withBody || body.length() == 0) {
            body.release();
            return ended(out.writeAndFlush(headersFrame(head, true)));
        }
        if (body instanceof Body.Bytes bytes) {
            // Already in memory (a retained slice of cached bytes): one DATA frame, which the protocol's flow
            // control sends as the peer allows; nothing to read or pace here.
            wholeLength = bytes.length();
            out.write(headersFrame(head, false));
            wholeWrite = out.writeAndFlush(dataFrame(bytes.content(), true));
            return ended(wholeWrite);
        }
        pump = new BodyPump(body, out.executor(), out.alloc(), new BodyPump.Sink() {
            @Override
            public boolean writable() {
                return out.isWritable();
            }

            @Override
            public ChannelFuture write(ByteBuf piece, boolean last) {
                ChannelFuture written = out.write(dataFrame(piece, last));
                return last ? ended(written) : written;
            }

            @Override
            public void flush() {
                out.flush();
            }
        });
        out.write(headersFrame(head, false)).addListener(f -> {
            if (!f.isSuccess()) {
                pump.abort(f.cause());
            }
        });
        out.flush(); // the first piece of a file or stream may take a while
        pump.pump();
        return pump.done();
    }

    /** Writes more when the stream became writable again. */
    public void pump() {
        if (pump != null) {
            pump.pump();
        }
    }

    /** The stream failed: frees what was not written. */
    public void abort(Throwable cause) {
        if (pump != null) {
            pump.abort(cause);
        }
    }

    /** The stream went away (reset, connection closed): stops a body still being pumped. */
    public void peerGone() {
        if (pump != null) {
            pump.abort(BodyPump.peerGone());
        }
    }
}
