package io.carbon.staticfiles;

import io.carbon.http.Body;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Executor;

/**
 * A cached file's private copy in the JVM's temp directory, so that plain HTTP/1.1 can send a hot
 * large file by sendfile, which hands page-cache pages to the socket without copying them, while the copy
 * stays immune to the original being truncated or rewritten in place. The copy is unlinked as soon as it is
 * open: nothing is left behind on a crash, and the space is freed when the last descriptor closes.
 *
 * <p>Responses borrow the channel (pinned like {@link SharedBytes}); it is closed once the cache evicted the
 * entry and the last response using it was sent.
 */
final class SnapshotFile {

    private final FileChannel channel;
    private final long length;
    /** The cache's hold plus responses using the channel. */
    private final Holds holds;
    private final Runnable closed;

    private SnapshotFile(FileChannel channel, long length, Runnable closed) {
        this.channel = channel;
        this.length = length;
        this.closed = closed;
        this.holds = new Holds(this::close);
    }

    /**
     * Writes {@code content} to a new unlinked file in {@code directory}. Blocking.
     *
     * @param closed run once the descriptor is closed (after eviction and the last response)
     */
    static SnapshotFile write(Path directory, ByteBuf content, Runnable closed) throws IOException {
        Path path = Files.createTempFile(directory, "carbon-cache-", ".tmp");
        try {
            FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            try {
                ByteBuffer bytes = content.nioBuffer(content.readerIndex(), content.readableBytes());
                long position = 0;
                while (bytes.hasRemaining()) {
                    position += channel.write(bytes, position);
                }
                return new SnapshotFile(channel, position, closed);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } finally {
            Files.deleteIfExists(path);
        }
    }

    long length() {
        return length;
    }

    /** A segment borrowing the channel, or null when the snapshot was already closed (evicted). */
    Body.FileSegment segment(long offset, long count, Executor reads) {
        if (!holds.pin()) {
            return null;
        }
        return new Body.FileSegment(channel, offset, count, reads, holds::unpin);
    }

    /** Drops the cache's hold; the file goes when no response uses it any more. */
    void evict() {
        holds.unpin();
    }

    private void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the descriptor is gone either way
        } finally {
            closed.run();
        }
    }
}
