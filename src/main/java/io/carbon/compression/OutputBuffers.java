package io.carbon.compression;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

/** Sizing of compressor output buffers. */
final class OutputBuffers {

    /** A ByteBuf cannot hold more; asking for a bigger buffer is a caller error, not an allocation to try. */
    static final int MAX_CAPACITY = Integer.MAX_VALUE - 8;

    private OutputBuffers() {
    }

    /**
     * A direct buffer for an output of at most {@code bound} bytes (a compressor's worst case).
     *
     * @throws CompressionException when the worst case does not fit in one buffer
     */
    static ByteBuf forBound(ByteBufAllocator alloc, long bound) {
        if (bound > MAX_CAPACITY) {
            throw new CompressionException("input too large to compress in one piece (worst case " + bound
                    + " bytes)");
        }
        return alloc.directBuffer((int) bound);
    }

    /**
     * The output, in a buffer of about its size. Compressors write into a worst-case-sized buffer, and text
     * shrinks to a quarter of that; the file cache keeps compressed variants for a long time and counts what
     * they hold, so more than 1/8 of slack is copied away once (a memcpy, cheap next to the compression).
     * An empty output becomes {@link Unpooled#EMPTY_BUFFER}, which the caller may release as usual.
     */
    static ByteBuf rightSize(ByteBuf output, ByteBufAllocator alloc) {
        int used = output.readableBytes();
        if (used == 0) {
            output.release();
            return Unpooled.EMPTY_BUFFER;
        }
        if (output.capacity() - used <= Math.max(64, used >>> 3)) {
            return output;
        }
        try {
            ByteBuf exact = alloc.directBuffer(used);
            exact.writeBytes(output, output.readerIndex(), used);
            return exact;
        } finally {
            output.release();
        }
    }
}
