package io.carbon.staticfiles;

import io.carbon.compression.GzipStream;
import io.carbon.http.ChunkSource;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * A file too large for the cache, gzip-compressed while it is sent: each piece is one read plus one deflate,
 * run on the blocking pool (never on an event loop). Owns the file channel and the deflater; both are freed
 * by {@link #close()}, which may arrive from the event loop while a piece is being made (the client left):
 * then the pool thread frees them when it finishes the piece, so the event loop never waits for a deflate.
 */
final class GzipFileSource implements ChunkSource {

    private static final int READ_SIZE = 64 * 1024;

    private final FileChannel channel;
    private final long length;
    private final GzipStream gzip;
    private final Executor pool;
    private long position;
    private boolean ended;
    private final Object lock = new Object();
    private boolean busy;
    private boolean closed;
    private boolean freed;

    GzipFileSource(FileChannel channel, long length, int level, Executor pool) {
        this.channel = channel;
        this.length = length;
        this.gzip = new GzipStream(level);
        this.pool = pool;
    }

    @Override
    public CompletableFuture<ByteBuf> next(ByteBufAllocator alloc) {
        CompletableFuture<ByteBuf> result = new CompletableFuture<>();
        Runnable step = () -> {
            try {
                result.complete(step(alloc));
            } catch (IOException | RuntimeException e) {
                result.completeExceptionally(e);
            }
        };
        try {
            pool.execute(step);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(e); // compressing is too heavy to do on the event loop instead
        }
        return result;
    }

    private ByteBuf step(ByteBufAllocator alloc) throws IOException {
        synchronized (lock) {
            if (closed) {
                throw new IOException("response abandoned");
            }
            busy = true;
        }
        try {
            return produce(alloc);
        } finally {
            synchronized (lock) {
                busy = false;
                if (closed) {
                    free();
                }
            }
        }
    }

    private ByteBuf produce(ByteBufAllocator alloc) throws IOException {
        if (ended) {
            return null;
        }
        int size = (int) Math.min(READ_SIZE, length - position);
        ByteBuf input = alloc.heapBuffer(size);
        try {
            while (input.readableBytes() < size) {
                int read = input.writeBytes(channel, position, size - input.readableBytes());
                if (read < 0) {
                    throw new EOFException("file shorter than when the response started");
                }
                position += read;
            }
            boolean last = position == length;
            ended = last;
            return gzip.deflate(input, last, alloc);
        } finally {
            input.release();
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (!busy) {
                free();
            }
        }
    }

    private void free() {
        if (freed) {
            return;
        }
        freed = true;
        gzip.close();
        try {
            channel.close();
        } catch (IOException ignored) {
            // the descriptor is released either way
        }
    }
}
