package io.carbon.http2;

import io.carbon.http.Body;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Puts one response on a stream channel: HEADERS, then the body as DATA frames paced by the stream's
 * writability (which follows the peer's flow-control windows and our outbound buffer), so a 1 GiB file never
 * sits in memory. Files are read in chunks, never as a {@code FileRegion} (the HTTP/2 framing needs the bytes).
 * Counts the body bytes that really left and releases every part of the body on every path.
 */
final class Http2ResponseWriter {

    /** Read size for file bodies: the default SETTINGS_MAX_FRAME_SIZE, so one read is one DATA frame. */
    static final int FILE_CHUNK = 16_384;

    /** RFC 9113 §8.2.2: connection-specific fields must not appear in HTTP/2. */
    private static final Set<AsciiString> CONNECTION_SPECIFIC = Set.of(
            AsciiString.cached("connection"), AsciiString.cached("keep-alive"),
            AsciiString.cached("proxy-connection"), AsciiString.cached("transfer-encoding"),
            AsciiString.cached("upgrade"));

    private final ChannelHandlerContext ctx;
    private final ChannelPromise done;
    /** Leaf bodies (Bytes, FileSegment) not yet completely written, in order. */
    private final ArrayDeque<Body> pending = new ArrayDeque<>();
    /** Next file position and bytes left of the FileSegment at the head of {@link #pending}. */
    private long filePosition = -1;
    private long fileRemaining;
    private long bodyBytes;
    private boolean finished;

    Http2ResponseWriter(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.done = ctx.newPromise();
    }

    /** Body bytes written so far (final once {@link #write}'s future completed). */
    long bodyBytes() {
        return bodyBytes;
    }

    /**
     * @param withBody false for HEAD, 204 and 304: the headers (with Content-Length) go out, the body is released
     * @return completes when the last frame was written, or failed when the stream went away first
     */
    ChannelFuture write(HttpResponseStatus status, HttpHeaders headers, Body body, boolean withBody) {
        Http2Headers head = responseHeaders(status, headers);
        if (withBody) {
            flatten(body);
        } else {
            body.release();
        }
        if (pending.isEmpty()) {
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(head, true)).addListener(f -> complete(f.cause()));
            return done;
        }
        ctx.write(new DefaultHttp2HeadersFrame(head, false)).addListener(f -> {
            if (!f.isSuccess()) {
                complete(f.cause());
            }
        });
        pump();
        return done;
    }

    /** Writes DATA frames while the stream is writable; called again when it becomes writable. */
    void pump() {
        try {
            while (!finished && !pending.isEmpty() && ctx.channel().isWritable()) {
                ByteBuf chunk = nextChunk();
                boolean last = pending.isEmpty();
                int length = chunk.readableBytes();
                ctx.write(new DefaultHttp2DataFrame(chunk, last)).addListener(f -> {
                    if (!f.isSuccess()) {
                        complete(f.cause());
                        return;
                    }
                    bodyBytes += length;
                    if (last) {
                        complete(null);
                    }
                });
            }
        } catch (IOException e) {
            complete(e);
        }
        ctx.flush();
    }

    /** The stream is gone (reset, connection closed): frees what was not written. */
    void abort(Throwable cause) {
        complete(cause);
    }

    private ByteBuf nextChunk() throws IOException {
        Body leaf = pending.peek();
        if (leaf instanceof Body.Bytes bytes) {
            // The frame takes over the body's reference; Netty's flow controller splits it by window and
            // SETTINGS_MAX_FRAME_SIZE.
            pending.poll();
            return bytes.content();
        }
        Body.FileSegment file = (Body.FileSegment) leaf;
        if (filePosition < 0) {
            filePosition = file.offset();
            fileRemaining = file.length();
        }
        int size = (int) Math.min(FILE_CHUNK, fileRemaining);
        ByteBuf chunk = ctx.alloc().ioBuffer(size);
        try {
            while (chunk.readableBytes() < size) {
                int read = chunk.writeBytes(file.channel(), filePosition, size - chunk.readableBytes());
                if (read < 0) {
                    throw new EOFException("file shorter than announced");
                }
                filePosition += read;
            }
        } catch (IOException | RuntimeException e) {
            chunk.release();
            throw e instanceof IOException io ? io : new IOException(e);
        }
        fileRemaining -= size;
        if (fileRemaining == 0) {
            pending.poll();
            filePosition = -1;
            file.release();
        }
        return chunk;
    }

    private void complete(Throwable failure) {
        if (finished) {
            return;
        }
        finished = true;
        for (Body leaf : pending) {
            leaf.release();
        }
        pending.clear();
        if (failure == null) {
            done.trySuccess();
        } else {
            done.tryFailure(failure);
        }
    }

    private void flatten(Body body) {
        if (body instanceof Body.Parts parts) {
            for (Body part : parts.parts()) {
                flatten(part);
            }
        } else if (body.length() == 0) {
            body.release();
        } else {
            pending.add(body);
        }
    }

    /** RFC 9113 §8.2: lowercase names, no connection-specific fields, {@code :status} first. */
    private static Http2Headers responseHeaders(HttpResponseStatus status, HttpHeaders headers) {
        Http2Headers head = new DefaultHttp2Headers(false, headers.size() + 1);
        head.status(status.codeAsText());
        Iterator<Map.Entry<CharSequence, CharSequence>> fields = headers.iteratorCharSequence();
        while (fields.hasNext()) {
            Map.Entry<CharSequence, CharSequence> field = fields.next();
            AsciiString name = AsciiString.of(field.getKey()).toLowerCase();
            if (!CONNECTION_SPECIFIC.contains(name)) {
                head.add(name, field.getValue());
            }
        }
        return head;
    }
}
