package io.carbon.http;

import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * A response body that the protocol branch writes in the cheapest way its transport allows: bytes as they
 * are, files by sendfile on plain HTTP/1.1 or by chunked reads elsewhere. A body owns what it holds until it
 * is written; a branch that does not write it must {@link #release()} it.
 */
public sealed interface Body permits Body.Empty, Body.Bytes, Body.FileSegment, Body.Stream, Body.Parts {

    /** Bytes the body will put on the wire. */
    long length();

    /** Frees what the body holds (buffer references, file descriptors). Safe to call once. */
    void release();

    Body EMPTY = new Empty();

    static Body of(ByteBuf content) {
        return new Bytes(content);
    }

    /** No body (204, 304, HEAD). */
    record Empty() implements Body {
        @Override public long length() { return 0; }
        @Override public void release() { }
    }

    /** In-memory bytes; the body holds one reference. */
    record Bytes(ByteBuf content) implements Body {
        @Override public long length() { return content.readableBytes(); }
        @Override public void release() { content.release(); }
    }

    /**
     * {@code length} bytes of an open file from {@code offset}. Where the bytes cannot go by sendfile (TLS,
     * HTTP/2), they are read in chunks on {@code reads}, a bounded blocking pool, so a cold file never stalls
     * an event loop. {@code onRelease} runs once when the body is done with: it closes the channel the body
     * owns, or gives back a channel it only borrowed (the file cache's private copy of a file).
     */
    record FileSegment(FileChannel channel, long offset, long length, Executor reads, Runnable onRelease)
            implements Body {

        /** A segment that owns its channel and closes it when released. */
        public FileSegment(FileChannel channel, long offset, long length, Executor reads) {
            this(channel, offset, length, reads, () -> {
                try {
                    channel.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }

        @Override public void release() {
            onRelease.run();
        }
    }

    /**
     * Bytes produced piece by piece (a file read off the event loop, a compressed stream, server-sent
     * events). {@code length} is -1 when unknown: HTTP/1.1 then uses chunked transfer coding.
     */
    record Stream(ChunkSource source, long length) implements Body {
        @Override public void release() {
            source.close();
        }
    }

    /** Several bodies written back to back (multipart/byteranges). */
    record Parts(List<Body> parts) implements Body {
        public Parts {
            parts = List.copyOf(parts);
        }
        @Override public long length() {
            long total = 0;
            for (Body part : parts) {
                total += part.length();
            }
            return total;
        }
        @Override public void release() {
            for (Body part : parts) {
                part.release();
            }
        }
    }
}
