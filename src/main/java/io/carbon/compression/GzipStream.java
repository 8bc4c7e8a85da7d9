package io.carbon.compression;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Streaming gzip (RFC 1952) for bodies compressed piece by piece as they are sent, so a large file never sits
 * whole in memory. Not thread-safe: one per response, used by one thread at a time.
 *
 * <p>The member written is: a 10-byte header without a file name and with MTIME 0 ("no time stamp",
 * RFC 1952 §2.3.1, so the same input always gives the same bytes), raw deflate data (RFC 1951) from a
 * {@link Deflater} without zlib wrapper, then the trailer: CRC-32 and the input size modulo 2^32.
 *
 * <p>Input is handed to the Deflater as NIO views of the buffer, heap or direct, so it is never copied.
 * No flush happens between pieces ({@link Deflater#NO_FLUSH}): the ratio is the same as for one-shot
 * compression, and a piece may produce no output at all.
 */
public final class GzipStream implements AutoCloseable {

    private static final int HEADER_LENGTH = 10;
    private static final int TRAILER_LENGTH = 8;
    /** RFC 1952 §2.3.1: OS 3 = Unix. */
    private static final int OS_UNIX = 3;
    /** Room asked for before each {@link Deflater#deflate} call, so that every call makes progress. */
    private static final int MIN_WRITABLE = 256;
    private static final byte[] NO_INPUT = new byte[0];

    private final Deflater deflater;
    private final int level;
    private final CRC32 crc = new CRC32();
    private long inputSize;
    private boolean headerWritten;
    private boolean finished;
    private boolean broken;
    private boolean closed;

    /** @param level deflate level, 1 (fastest) to 9 (smallest) */
    public GzipStream(int level) {
        if (level < 1 || level > 9) {
            throw new IllegalArgumentException("gzip level must be 1 to 9, got " + level);
        }
        this.level = level;
        this.deflater = new Deflater(level, true); // nowrap: raw deflate, the gzip framing is ours
    }

    /**
     * Deflates the input's readable bytes, consuming them (the input is not released: it stays the
     * caller's). With {@code last}, finishes the stream: the remaining deflate data and the trailer follow.
     *
     * @param input the next piece of the body; may be empty, heap, direct or composite
     * @param last  true for the final piece; no call may follow
     * @return the output produced by this call, possibly empty, owned by the caller (release it)
     * @throws IllegalStateException after the last piece, after {@link #close}, or after a failed call
     */
    public ByteBuf deflate(ByteBuf input, boolean last, ByteBufAllocator alloc) {
        if (closed || finished || broken) {
            throw new IllegalStateException(closed ? "gzip stream closed" : finished ? "gzip stream finished"
                    : "gzip stream failed earlier");
        }
        int length = input.readableBytes();
        ByteBuf output = OutputBuffers.forBound(alloc, worstCase(length, last));
        boolean done = false;
        try {
            if (!headerWritten) {
                writeHeader(output);
                headerWritten = true;
            }
            if (length > 0) {
                for (ByteBuffer piece : input.nioBuffers(input.readerIndex(), length)) {
                    crc.update(piece.duplicate());
                    deflater.setInput(piece);
                    while (!deflater.needsInput()) {
                        deflateInto(output);
                    }
                }
                // The Deflater keeps a reference to its last input; the caller may free that memory once we
                // return, so leave it pointing at nothing.
                deflater.setInput(NO_INPUT);
                inputSize += length;
                input.skipBytes(length);
            }
            if (last) {
                deflater.finish();
                while (!deflater.finished()) {
                    deflateInto(output);
                }
                output.writeIntLE((int) crc.getValue());
                output.writeIntLE((int) inputSize); // ISIZE: the size modulo 2^32 (RFC 1952 §2.3.1)
                finished = true;
            }
            done = true;
        } finally {
            if (!done) {
                broken = true; // the Deflater's state is unknown: this stream can only be closed
                output.release();
            }
        }
        return OutputBuffers.rightSize(output, alloc);
    }

    /** Frees the Deflater's native memory; safe to call twice, before finishing, and after a failure. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            deflater.end();
        }
    }

    /** One-shot gzip of the input's readable bytes, leaving the input's reader index where it was. */
    static ByteBuf compress(int level, ByteBuf input, ByteBufAllocator alloc) {
        try (GzipStream gzip = new GzipStream(level)) {
            return gzip.deflate(input.duplicate(), true, alloc);
        }
    }

    private void deflateInto(ByteBuf output) {
        if (output.writableBytes() < MIN_WRITABLE) {
            output.ensureWritable(Math.max(MIN_WRITABLE, output.capacity())); // doubles: amortised growth
        }
        ByteBuffer target = output.nioBuffer(output.writerIndex(), output.writableBytes());
        int written = deflater.deflate(target, Deflater.NO_FLUSH);
        output.writerIndex(output.writerIndex() + written);
    }

    private void writeHeader(ByteBuf output) {
        output.writeByte(0x1f).writeByte(0x8b); // ID1, ID2
        output.writeByte(8);                    // CM: deflate
        output.writeByte(0);                    // FLG: no text hint, CRC16, extra, name or comment
        output.writeIntLE(0);                   // MTIME: none
        // XFL (RFC 1952 §2.3.1): 2 = slowest, maximum compression; 4 = fastest.
        output.writeByte(level == 9 ? 2 : level == 1 ? 4 : 0);
        output.writeByte(OS_UNIX);
    }

    /**
     * The most this call can produce when the Deflater holds nothing back: zlib's deflateBound for the
     * default window and memory level (stored blocks plus their headers), header and trailer. A stream that
     * held input back from earlier pieces can exceed it, so the buffer still grows when needed.
     */
    private long worstCase(int length, boolean last) {
        long bound = (long) length + (length >> 12) + (length >> 14) + (length >> 25) + 13;
        return bound + (headerWritten ? 0 : HEADER_LENGTH) + (last ? TRAILER_LENGTH : 0);
    }
}
