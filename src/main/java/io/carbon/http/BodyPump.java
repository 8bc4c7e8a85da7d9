package io.carbon.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * Writes a body piece by piece on one event loop, only while the connection can take more, for the bodies
 * that cannot go out in one write or by sendfile: files on TLS and HTTP/2 (read in chunks on the blocking
 * pool) and {@link Body.Stream}s. Both protocol branches use it; each supplies a {@link Sink} that frames a
 * piece (HTTP/1.1 content, an HTTP/2 DATA frame) and calls {@link #pump()} again when its channel becomes
 * writable.
 *
 * <p>At most one piece is being produced at a time and written pieces are bounded by the channel's
 * writability, so a slow reader costs one chunk of memory. Every buffer and source is released on every
 * path: the body ends, a write fails, or the peer goes away ({@link #abort}) while a read is in flight.
 */
public final class BodyPump {

    /** Where the pieces go: one protocol's framing on one channel. Called on the event loop only. */
    public interface Sink {
        /** True while the channel's outbound buffer and flow-control windows have room. */
        boolean writable();

        /** Writes one piece (the sink owns it now); {@code last} ends the body. */
        ChannelFuture write(ByteBuf piece, boolean last);

        void flush();
    }

    /**
     * The failure of a body whose peer went away, without a stack trace: streams and connections close all
     * the time, and filling a stack trace for each cost a visible share of an HTTP/2 request. A new instance
     * each time, because a shared one would collect whatever suppressed exceptions callers add to it.
     */
    public static ClosedChannelException peerGone() {
        return new PeerGone();
    }

    private static final class PeerGone extends ClosedChannelException {
        private static final long serialVersionUID = 1L;

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /** Bytes per read of a file: large enough that the hand-off to the blocking pool is amortized. */
    static final int FILE_CHUNK = 64 * 1024;

    private final EventExecutor loop;
    private final ByteBufAllocator alloc;
    private final Sink sink;
    private final Promise<Void> done;
    /** Leaves not yet completely written, in order: Bytes, FileSegment or Stream. */
    private final ArrayDeque<Body> pending = new ArrayDeque<>();
    /** The source of the leaf at the head of {@link #pending}, once started. */
    private ChunkSource current;
    private boolean producing;
    private boolean finished;
    private long bytes;
    /** Pieces written whose writes have not completed yet; and whether the last piece is among the written. */
    private int unwritten;
    private boolean lastWritten;

    /**
     * @param body a body of any shape; the pump owns it from now on
     */
    public BodyPump(Body body, EventExecutor loop, ByteBufAllocator alloc, Sink sink) {
        this.loop = loop;
        this.alloc = alloc;
        this.sink = sink;
        this.done = loop.newPromise();
        flatten(body);
    }

    /** Completes when the last piece was written; fails when a write or a read failed, or on abort. */
    public Promise<Void> done() {
        return done;
    }

    /** Body bytes written so far (final once {@link #done()} completed). */
    public long bytes() {
        return bytes;
    }

    /** Writes what it can now; call again whenever the channel becomes writable. Event loop only. */
    public void pump() {
        boolean wrote = false;
        while (!finished && !producing && sink.writable()) {
            if (pending.isEmpty()) {
                // Only after a stream of unknown length ended: the end still has to be framed.
                writePiece(Unpooled.EMPTY_BUFFER, true);
                wrote = true;
                break;
            }
            Body leaf = pending.peek();
            if (leaf instanceof Body.Bytes bytesLeaf) {
                pending.poll();
                writePiece(bytesLeaf.content(), pending.isEmpty());
                wrote = true;
                continue;
            }
            if (current == null) {
                current = sourceOf(leaf);
            }
            CompletableFuture<ByteBuf> next;
            try {
                next = current.next(alloc);
            } catch (RuntimeException e) {
                finish(e);
                break;
            }
            if (next.isDone()) {
                // Produced synchronously (end of a file, a ready event): no hop, and no recursion.
                wrote |= accept(resultOf(next), failureOf(next));
            } else {
                producing = true;
                next.whenComplete((piece, failure) -> {
                    try {
                        loop.execute(() -> {
                            producing = false;
                            if (accept(piece, failure)) {
                                sink.flush();
                            }
                            pump();
                        });
                    } catch (RejectedExecutionException e) {
                        ReferenceCountUtil.release(piece); // the loop is gone, and with it the connection
                    }
                });
            }
        }
        if (wrote) {
            sink.flush();
        }
    }

    /** The peer went away or the response was cancelled: frees everything not yet written. */
    public void abort(Throwable cause) {
        // Once the last piece was handed over, the writes' own outcomes decide: a stream closes as its last
        // frame is written, before that write's listeners ran.
        if (!done.isDone() && !lastWritten) {
            finish(cause);
        }
    }

    /** Takes one produced piece; true when something was written. */
    private boolean accept(ByteBuf piece, Throwable failure) {
        if (finished) {
            ReferenceCountUtil.release(piece);
            return false;
        }
        if (failure != null) {
            ReferenceCountUtil.release(piece);
            finish(failure);
            return false;
        }
        if (piece == null) {
            // The current leaf is exhausted; the loop goes on with the next one or frames the end.
            pending.poll().release();
            current = null;
            return false;
        }
        boolean last = pending.size() == 1 && current instanceof FileChunks file && file.exhausted();
        if (last) {
            pending.poll().release();
            current = null;
        } else if (!piece.isReadable()) {
            piece.release(); // a compressor may have had nothing to say yet; an empty frame would be noise
            return false;
        }
        writePiece(piece, last);
        return true;
    }

    private static ByteBuf resultOf(CompletableFuture<ByteBuf> done) {
        return done.isCompletedExceptionally() ? null : done.join();
    }

    private static Throwable failureOf(CompletableFuture<ByteBuf> done) {
        if (!done.isCompletedExceptionally()) {
            return null;
        }
        try {
            done.join();
            return null;
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            return e.getCause() != null ? e.getCause() : e;
        }
    }

    private void writePiece(ByteBuf piece, boolean last) {
        int length = piece.readableBytes();
        unwritten++;
        ChannelFuture write = sink.write(piece, last);
        if (last) {
            finished = true; // no more writes; done follows the last one
            lastWritten = true;
        }
        write.addListener(f -> {
            unwritten--;
            if (!f.isSuccess()) {
                finish(f.cause());
                return;
            }
            bytes += length;
            // A protocol may complete queued writes out of order (HTTP/2's flow controller merges the DATA frames
            // of a stream and completes the merged promises after the frame's own): done waits for every write,
            // so bytes() is final when it completes.
            if (lastWritten && unwritten == 0) {
                done.trySuccess(null);
            }
        });
    }

    private void finish(Throwable failure) {
        if (!finished || !done.isDone()) {
            finished = true;
            for (Body leaf : pending) {
                leaf.release();
            }
            pending.clear();
            current = null;
            if (failure == null) {
                done.trySuccess(null);
            } else {
                done.tryFailure(failure);
            }
        }
    }

    private static ChunkSource sourceOf(Body leaf) {
        if (leaf instanceof Body.Stream stream) {
            return stream.source();
        }
        Body.FileSegment file = (Body.FileSegment) leaf;
        return new FileChunks(file, FILE_CHUNK);
    }

    private void flatten(Body body) {
        if (body instanceof Body.Parts parts) {
            for (Body part : parts.parts()) {
                flatten(part);
            }
        } else if (body.length() == 0) {
            body.release();
        } else if (!(body instanceof Body.Empty)) {
            pending.add(body);
        }
    }
}
