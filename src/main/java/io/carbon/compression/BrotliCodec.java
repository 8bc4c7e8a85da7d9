package io.carbon.compression;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.encoder.Encoder;
import com.aayushatharva.brotli4j.encoder.EncoderJNI;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * One-shot Brotli (RFC 7932) through brotli4j's JNI encoder.
 *
 * <p>brotli4j's encoder only reads input from a native buffer it allocates itself, so the input is copied
 * exactly once, straight from each NIO view of the ByteBuf (heap, direct or composite) into that buffer.
 * Output is pulled from the encoder's native buffer into one direct ByteBuf.
 *
 * <p>Loading happens in brotli4j's {@link Brotli4jLoader} static initialiser: it first tries
 * {@code System.loadLibrary("brotli")}, then copies {@code /lib/linux-x86_64/libbrotli.so} from the class path
 * to a fresh directory under {@code java.io.tmpdir} (or {@code -Dcom.aayushatharva.brotli4j.native.workdir})
 * and loads it from there, so a read-only or {@code noexec} temporary directory makes Brotli unavailable.
 */
final class BrotliCodec {

    /** Library default window (lgwin 22, 4 MiB); -1 leaves it to the library. */
    private static final int DEFAULT_WINDOW = -1;

    private BrotliCodec() {
    }

    /**
     * Why Brotli cannot be used in this JVM, or empty when it works. A library can load and still lack the
     * JNI entry points (a foreign {@code libbrotli.so} found first on {@code java.library.path}), so one tiny
     * compression proves the binding before Brotli is offered.
     */
    static Optional<String> unavailableReason() {
        try {
            if (!Brotli4jLoader.isAvailable()) {
                return Optional.of(NativeProblems.describe(Brotli4jLoader.getUnavailabilityCause()));
            }
            Encoder.compress(new byte[] {'c'}, Encoder.Parameters.create(1));
            return Optional.empty();
        } catch (LinkageError | RuntimeException | IOException e) {
            return Optional.of(NativeProblems.describe(e));
        }
    }

    /** @param quality 0–11 */
    static ByteBuf compress(ByteBuf input, ByteBufAllocator alloc, int quality) {
        int length = input.readableBytes();
        ByteBuf output = OutputBuffers.forBound(alloc, maxCompressedSize(length));
        EncoderJNI.Wrapper encoder = null;
        boolean done = false;
        try {
            // The native input buffer must not be empty, even for an empty input.
            encoder = new EncoderJNI.Wrapper(Math.max(1, length), quality, DEFAULT_WINDOW, null);
            ByteBuffer nativeInput = encoder.getInputBuffer();
            for (ByteBuffer piece : input.nioBuffers(input.readerIndex(), length)) {
                nativeInput.put(piece);
            }
            if (length > 0) {
                encoder.push(EncoderJNI.Operation.PROCESS, length);
            }
            while (true) {
                if (!encoder.isSuccess()) {
                    throw new CompressionException("brotli encoder failed");
                }
                if (encoder.hasMoreOutput()) {
                    output.writeBytes(encoder.pull());
                } else if (!encoder.isFinished()) {
                    encoder.push(EncoderJNI.Operation.FINISH, 0);
                } else {
                    break;
                }
            }
            done = true;
        } catch (IOException e) {
            throw new CompressionException("brotli encoder failed: " + e.getMessage(), e);
        } finally {
            if (encoder != null) {
                encoder.destroy();
            }
            if (!done) {
                output.release();
            }
        }
        return OutputBuffers.rightSize(output, alloc);
    }

    /**
     * BrotliEncoderMaxCompressedSize: the input stored in uncompressed meta-blocks of up to 16 KiB with their
     * headers. The streaming encoder used here is not bound by it, so the output buffer may still grow.
     */
    private static long maxCompressedSize(int length) {
        if (length == 0) {
            return 2;
        }
        return (long) length + 2 + 4L * (length >> 14) + 3 + 1;
    }
}
