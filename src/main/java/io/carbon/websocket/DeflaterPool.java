package io.carbon.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.jctools.queues.MpmcArrayQueue;

import java.nio.ByteBuffer;
import java.util.zip.Deflater;

/**
 * Compresses outgoing messages for every connection with permessage-deflate. Carbon always agrees to
 * server_no_context_takeover (RFC 7692 §7.1.1.1 lets a server add it on its own), so a message never refers to
 * an earlier one and a compressor can be borrowed for one message and returned: memory is one zlib state
 * (about 256 KiB) per thread compressing at that moment, not per connection. The pool keeps a bounded number
 * of idle deflaters; thread-safe.
 */
final class DeflaterPool {

    /** Compression level: zlib's default, the usual speed/size balance for small messages. */
    private static final int LEVEL = 6;
    private static final int TAIL_LENGTH = 4;

    private final MpmcArrayQueue<Deflater> idle;

    /** @param maxIdle deflaters kept between messages (about one per event loop thread is enough) */
    DeflaterPool(int maxIdle) {
        this.idle = new MpmcArrayQueue<>(Math.max(2, maxIdle));
    }

    /**
     * The message's DEFLATE data with the trailing {@code 00 00 FF FF} removed (RFC 7692 §7.2.1): a sync flush
     * ends the data on a byte boundary with an empty stored block, which the receiver adds back.
     */
    ByteBuf compress(ByteBufAllocator alloc, ByteBuf message) {
        Deflater deflater = idle.poll();
        if (deflater == null) {
            deflater = new Deflater(LEVEL, true);
        }
        ByteBuf out = alloc.buffer(Math.max(64, message.readableBytes() / 2 + 16));
        try {
            deflater.setInput(message.nioBuffer());
            while (true) {
                out.ensureWritable(Math.max(64, out.writableBytes()));
                ByteBuffer target = out.nioBuffer(out.writerIndex(), out.writableBytes());
                int room = target.remaining();
                int n = deflater.deflate(target, Deflater.SYNC_FLUSH);
                out.writerIndex(out.writerIndex() + n);
                if (n < room) {
                    break; // Deflater: a sync flush is complete when the output did not fill the buffer
                }
            }
            out.writerIndex(out.writerIndex() - TAIL_LENGTH);
            return out;
        } catch (RuntimeException e) {
            out.release();
            deflater.end();
            deflater = null;
            throw e;
        } finally {
            if (deflater != null) {
                deflater.reset();
                if (!idle.offer(deflater)) {
                    deflater.end();
                }
            }
        }
    }

    /** Frees the idle deflaters (those in use are freed when returned). */
    void close() {
        Deflater deflater;
        while ((deflater = idle.poll()) != null) {
            deflater.end();
        }
    }
}
