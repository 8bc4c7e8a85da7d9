package io.carbon.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.concurrent.CompletableFuture;

/**
 * The producer behind a {@link Body.Stream}. The protocol branch pulls one piece at a time, only while the
 * connection can take more, so a slow reader holds at most one piece in memory per response.
 *
 * <p>Contract: {@link #next} is called again only after the previous future completed. A future may
 * complete on any thread; the branch hops back to its event loop. {@link #close} is called exactly once,
 * when the body ended, failed, or the peer went away, possibly while a future is still pending: a buffer
 * delivered after close is released by the branch.
 */
public interface ChunkSource {

    /**
     * The next piece: a buffer the caller now owns (it may be empty), or {@code null} at the end.
     * A failed future aborts the response (HTTP/1.1 closes the connection, HTTP/2 resets the stream).
     */
    CompletableFuture<ByteBuf> next(ByteBufAllocator alloc);

    /** Frees what the source holds (file descriptors, compressor state, subscriptions). */
    void close();
}
