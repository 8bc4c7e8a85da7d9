package io.carbon.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.EOFException;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * Reads a {@link Body.FileSegment} in chunks on the segment's blocking pool, for transports where the bytes
 * must pass through the JVM (TLS, HTTP/2). The segment keeps owning its channel: releasing the segment
 * closes it, which also ends a read still in flight.
 *
 * <p>When the pool is full the chunk is read on the calling event loop instead: a page-cache read costs
 * microseconds, while failing a response half-way through would cost the client the whole transfer.
 */
final class FileChunks implements ChunkSource {

    private final Body.FileSegment file;
    private final int chunkSize;
    private long position;
    private long remaining;

    FileChunks(Body.FileSegment file, int chunkSize) {
        this.file = file;
        this.chunkSize = chunkSize;
        this.position = file.offset();
        this.remaining = file.length();
    }

    /** True once every byte of the segment was produced. */
    boolean exhausted() {
        return remaining == 0;
    }

    @Override
    public CompletableFuture<ByteBuf> next(ByteBufAllocator alloc) {
        if (remaining == 0) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<ByteBuf> result = new CompletableFuture<>();
        Runnable read = () -> {
            try {
                result.complete(read(alloc));
            } catch (IOException | RuntimeException e) {
                result.completeExceptionally(e);
            }
        };
        try {
            file.reads().execute(read);
        } catch (RejectedExecutionException e) {
            read.run();
        }
        return result;
    }

    private ByteBuf read(ByteBufAllocator alloc) throws IOException {
        int size = (int) Math.min(chunkSize, remaining);
        ByteBuf chunk = alloc.ioBuffer(size);
        try {
            while (chunk.readableBytes() < size) {
                int read = chunk.writeBytes(file.channel(), position, size - chunk.readableBytes());
                if (read < 0) {
                    // Truncated since the response head promised its length: the response cannot be completed.
                    throw new EOFException("file shorter than announced");
                }
                position += read;
            }
        } catch (IOException | RuntimeException e) {
            chunk.release();
            throw e;
        }
        remaining -= size;
        return chunk;
    }

    @Override
    public void close() {
        // The segment owns the channel; BodyPump releases the segment.
    }
}
