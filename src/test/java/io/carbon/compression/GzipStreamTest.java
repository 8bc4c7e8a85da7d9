package io.carbon.compression;

import io.carbon.compression.CompressionTestData.Shape;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.IllegalReferenceCountException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class GzipStreamTest {

    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(Shape.class)
    void manyChunksGiveOneValidGzipOfTheirConcatenation(Shape shape) throws Exception {
        byte[] data = CompressionTestData.text(300_000);
        Random random = new Random(3);
        ByteArrayOutputStream gzip = new ByteArrayOutputStream();
        int chunks = 0;
        try (GzipStream stream = new GzipStream(6)) {
            int offset = 0;
            while (offset < data.length) {
                // a mix of empty, tiny and large pieces
                int size = switch (random.nextInt(4)) {
                    case 0 -> 0;
                    case 1 -> random.nextInt(10);
                    default -> random.nextInt(40_000);
                };
                size = Math.min(size, data.length - offset);
                feed(stream, shape.make(Arrays.copyOfRange(data, offset, offset + size), ALLOC), false, gzip);
                offset += size;
                chunks++;
            }
            feed(stream, Unpooled.EMPTY_BUFFER, true, gzip); // the last piece is empty
        }
        assertThat(chunks).isGreaterThan(20);
        byte[] encoded = gzip.toByteArray();
        assertThat(CompressionTestData.gunzip(encoded)).isEqualTo(data);
        assertThat(encoded.length).isLessThan(data.length / 2);
        assertGzipToolAccepts(encoded);
    }

    @Test
    void lastPieceMayCarryData() throws Exception {
        byte[] data = CompressionTestData.random(100_000);
        ByteArrayOutputStream gzip = new ByteArrayOutputStream();
        try (GzipStream stream = new GzipStream(1)) {
            feed(stream, Unpooled.wrappedBuffer(data, 0, 50_000), false, gzip);
            feed(stream, Unpooled.wrappedBuffer(data, 50_000, 50_000), true, gzip);
        }
        assertThat(CompressionTestData.gunzip(gzip.toByteArray())).isEqualTo(data);
        assertGzipToolAccepts(gzip.toByteArray());
    }

    @Test
    void onlyAnEmptyLastPieceGivesAnEmptyGzip() throws Exception {
        ByteArrayOutputStream gzip = new ByteArrayOutputStream();
        try (GzipStream stream = new GzipStream(9)) {
            feed(stream, Unpooled.EMPTY_BUFFER, true, gzip);
        }
        assertThat(gzip.size()).isEqualTo(20); // header, an empty final block, trailer
        assertThat(CompressionTestData.gunzip(gzip.toByteArray())).isEmpty();
        assertGzipToolAccepts(gzip.toByteArray());
    }

    @Test
    void consumesTheInputWithoutReleasingIt() {
        ByteBuf input = ALLOC.directBuffer().writeBytes(CompressionTestData.text(5000));
        try (GzipStream stream = new GzipStream(6)) {
            ByteBuf output = stream.deflate(input, false, ALLOC);
            output.release();
            assertThat(input.isReadable()).isFalse();
            assertThat(input.refCnt()).isEqualTo(1);
        } finally {
            input.release();
        }
    }

    @Test
    void noCallAfterTheLastPiece() {
        try (GzipStream stream = new GzipStream(6)) {
            stream.deflate(Unpooled.EMPTY_BUFFER, true, ALLOC).release();
            assertThatThrownBy(() -> stream.deflate(Unpooled.EMPTY_BUFFER, false, ALLOC))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("finished");
        }
    }

    @Test
    void closeIsIdempotentAndFinal() {
        GzipStream stream = new GzipStream(6);
        stream.deflate(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}), false, ALLOC).release();
        stream.close(); // before finishing
        stream.close();
        assertThatThrownBy(() -> stream.deflate(Unpooled.EMPTY_BUFFER, true, ALLOC))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void aFailedCallLeavesAStreamThatCanOnlyBeClosed() {
        ByteBuf released = Unpooled.directBuffer().writeBytes(new byte[] {1, 2, 3});
        released.release();
        GzipStream stream = new GzipStream(6);
        assertThatThrownBy(() -> stream.deflate(released, false, ALLOC))
                .isInstanceOf(IllegalReferenceCountException.class);
        assertThatThrownBy(() -> stream.deflate(Unpooled.EMPTY_BUFFER, true, ALLOC))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("failed");
        stream.close();
        stream.close();
    }

    @Test
    void rejectsLevelsOutOfRange() {
        assertThatThrownBy(() -> new GzipStream(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new GzipStream(10)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Feeds one piece, releases it, and appends (then releases) what came out. */
    private static void feed(GzipStream stream, ByteBuf piece, boolean last, ByteArrayOutputStream sink) {
        try {
            ByteBuf output = stream.deflate(piece, last, ALLOC);
            try {
                assertThat(piece.isReadable()).as("input consumed").isFalse();
                sink.writeBytes(ByteBufUtil.getBytes(output));
            } finally {
                output.release();
            }
        } finally {
            piece.release();
        }
    }

    /** {@code gzip -t}, when the tool is installed: an independent check of the framing and the trailer. */
    private void assertGzipToolAccepts(byte[] encoded) throws Exception {
        File tool = new File("/bin/gzip");
        assumeTrue(tool.canExecute(), "gzip is not installed");
        Path file = Files.write(tmp.resolve("body.gz"), encoded);
        Process process = new ProcessBuilder(tool.getPath(), "-t", file.toString()).redirectErrorStream(true)
                .start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String messages = new String(process.getInputStream().readAllBytes());
        assertThat(process.exitValue()).as("gzip -t: %s", messages).isZero();
    }
}
