package io.carbon.http1;

import io.carbon.http.Body;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.EmptyHttpHeaders;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Puts one response on an HTTP/1.1 connection in the cheapest form: a single write for in-memory bodies,
 * the head then sendfile ({@link DefaultFileRegion}) for file bodies on plain connections, or chunked file
 * reads where bytes must pass through the JVM (TLS: {@code SslHandler} cannot take a FileRegion). Counts the
 * body bytes that really left, for the access log.
 */
final class ResponseWriter {

    /** The last write of the response, and a counter of body bytes written so far. */
    record Written(ChannelFuture done, AtomicLong bodyBytes) {
    }

    /** 16 KiB: one TLS record's worth of plaintext per read. */
    private static final int CHUNK_SIZE = 16 * 1024;

    private ResponseWriter() {
    }

    /**
     * @param withBody false for HEAD and bodiless statuses: the body is released, the headers kept
     * @param zeroCopy true to send files with sendfile; false needs a ChunkedWriteHandler in the pipeline
     */
    static Written write(ChannelHandlerContext ctx, HttpResponseStatus status, HttpHeaders headers, Body body,
                         boolean withBody, boolean zeroCopy) {
        AtomicLong sent = new AtomicLong();
        if (!withBody) {
            body.release();
            body = Body.EMPTY;
        }
        if (body instanceof Body.Empty) {
            return new Written(ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.EMPTY_BUFFER, headers, EmptyHttpHeaders.INSTANCE)), sent);
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
            return new Written(done, sent);
        }
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status, headers);
        ctx.write(head);
        writeBody(ctx, body, sent, zeroCopy);
        return new Written(ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT), sent);
    }

    private static ChunkedNioFile chunks(Body.FileSegment file) {
        try {
            return new ChunkedNioFile(file.channel(), file.offset(), file.length(), CHUNK_SIZE);
        } catch (IOException e) {
            file.release();
            throw new UncheckedIOException(e);
        }
    }

    private static void writeBody(ChannelHandlerContext ctx, Body body, AtomicLong sent, boolean zeroCopy) {
        if (body instanceof Body.Bytes bytes) {
            int length = bytes.content().readableBytes();
            ctx.write(new DefaultHttpContent(bytes.content())).addListener(f -> {
                if (f.isSuccess()) {
                    sent.addAndGet(length);
                }
            });
        } else if (body instanceof Body.FileSegment file && zeroCopy) {
            DefaultFileRegion region = new DefaultFileRegion(file.channel(), file.offset(), file.length());
            ctx.write(region).addListener(f -> sent.addAndGet(region.transferred()));
        } else if (body instanceof Body.FileSegment file) {
            ChunkedNioFile chunks = chunks(file);
            // ChunkedWriteHandler closes the input (and so the file) when it is done or fails.
            ctx.write(chunks).addListener(f -> sent.addAndGet(chunks.progress()));
        } else if (body instanceof Body.Parts parts) {
            for (Body part : parts.parts()) {
                writeBody(ctx, part, sent, zeroCopy);
            }
        }
    }
}
