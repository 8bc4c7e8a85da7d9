package io.carbon.compression;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.util.Native;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * One-shot Zstandard (RFC 8878) through zstd-jni, direct buffer to direct buffer.
 *
 * <p>A direct single-piece input is compressed where it lies; a heap or composite input is first copied once
 * into a direct buffer, because zstd-jni's buffer API only takes direct buffers. Frames carry the content size
 * and a checksum (as the zstd command line writes them): decoders can size their output, and detect damage
 * at the cost of 4 bytes.
 *
 * <p>zstd-jni's {@link Native#load()} copies {@code /linux/amd64/libzstd-jni-*.so} from the class path to
 * {@code java.io.tmpdir} (or {@code -DZstdTempFolder}) and loads it, falling back to a system
 * {@code libzstd-jni-*.so}; {@code -DZstdNativePath} names the library file directly.
 */
final class ZstdCodec {

    private ZstdCodec() {
    }

    /**
     * Why zstd cannot be used in this JVM, or empty when it works. zstd-jni's classes load the library in
     * their static initialisers, so nothing else touches them before this has succeeded.
     */
    static Optional<String> unavailableReason() {
        try {
            Native.load();
            Zstd.compress(new byte[] {'c'}, 1); // proves the JNI binding, not only the loading
            return Optional.empty();
        } catch (LinkageError | RuntimeException e) {
            return Optional.of(NativeProblems.describe(e));
        }
    }

    /** @param level 1–19 */
    static ByteBuf compress(ByteBuf input, ByteBufAllocator alloc, int level) {
        int length = input.readableBytes();
        ByteBuf output = OutputBuffers.forBound(alloc, Zstd.compressBound(length));
        ByteBuf source = input;
        boolean done = false;
        try (ZstdCompressCtx context = new ZstdCompressCtx()) {
            if (!input.isDirect() || input.nioBufferCount() != 1) {
                source = alloc.directBuffer(length);
                source.writeBytes(input, input.readerIndex(), length);
            }
            context.setLevel(level).setChecksum(true).setContentSize(true);
            ByteBuffer src = source.nioBuffer(source.readerIndex(), length);
            ByteBuffer dst = output.nioBuffer(output.writerIndex(), output.writableBytes());
            // Offsets are absolute in the NIO buffer: a view may be a slice (position 0) or a duplicate.
            int written = context.compressDirectByteBuffer(dst, dst.position(), dst.remaining(),
                    src, src.position(), src.remaining());
            output.writerIndex(output.writerIndex() + written);
            done = true;
        } catch (RuntimeException e) {
            if (e instanceof CompressionException) {
                throw e;
            }
            throw new CompressionException("zstd compression failed: " + e.getMessage(), e);
        } finally {
            if (source != input) {
                source.release();
            }
            if (!done) {
                output.release();
            }
        }
        return OutputBuffers.rightSize(output, alloc);
    }
}
