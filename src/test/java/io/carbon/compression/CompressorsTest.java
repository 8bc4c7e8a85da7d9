package io.carbon.compression;

import io.carbon.compression.CompressionTestData.Shape;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompressorsTest {

    private final Compressors compressors = new Compressors(6, 5, 3);

    static Stream<Arguments> roundTrips() {
        List<Arguments> cases = new ArrayList<>();
        String[] sizes = {"empty", "one byte", "text 100 KB", "random 64 KB"};
        for (ContentCoding coding : ContentCoding.values()) {
            for (String size : sizes) {
                for (Shape shape : Shape.values()) {
                    cases.add(Arguments.of(coding, size, shape));
                }
            }
        }
        return cases.stream();
    }

    private static byte[] data(String size) {
        return switch (size) {
            case "empty" -> new byte[0];
            case "one byte" -> new byte[] {'x'};
            case "text 100 KB" -> CompressionTestData.text(100 * 1024);
            case "random 64 KB" -> CompressionTestData.random(64 * 1024);
            default -> throw new IllegalArgumentException(size);
        };
    }

    @ParameterizedTest(name = "[{index}] {0}, {1}, {2}")
    @MethodSource("roundTrips")
    void roundTrip(ContentCoding coding, String size, Shape shape) throws Exception {
        byte[] data = data(size);
        for (ByteBufAllocator alloc : List.of(PooledByteBufAllocator.DEFAULT, UnpooledByteBufAllocator.DEFAULT)) {
            ByteBuf input = shape.make(data, alloc);
            int readerIndex = input.readerIndex();
            int writerIndex = input.writerIndex();
            ByteBuf output = compressors.compress(coding, input, alloc);
            try {
                assertThat(input.readerIndex()).as("reader index").isEqualTo(readerIndex);
                assertThat(input.writerIndex()).as("writer index").isEqualTo(writerIndex);
                assertThat(input.refCnt()).as("input not released").isEqualTo(1);
                assertThat(ByteBufUtil.getBytes(input)).as("input unchanged").isEqualTo(data);
                assertThat(output).isNotSameAs(input);
                assertThat(output.refCnt()).isEqualTo(1);
                assertThat(output.isDirect()).as("direct output").isTrue();
                assertThat(output.isReadable()).as("a complete stream is never empty").isTrue();
                // right-sized: the worst-case buffer does not stay behind in the cache
                assertThat(output.capacity() - output.readableBytes())
                        .isLessThanOrEqualTo(Math.max(64, output.readableBytes() / 8));

                byte[] encoded = ByteBufUtil.getBytes(output);
                assertThat(CompressionTestData.decode(coding, encoded, data.length)).isEqualTo(data);
                if (size.startsWith("text")) {
                    assertThat(encoded.length).as("text shrinks").isLessThan(data.length / 2);
                }
            } finally {
                output.release();
                input.release();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ContentCoding.class)
    void nativeLibrariesLoadOnThisMachine(ContentCoding coding) {
        assertThat(compressors.unavailableReason(coding)).isEmpty();
        assertThat(compressors.available(coding)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(ContentCoding.class)
    void sameInputGivesTheSameBytes(ContentCoding coding) {
        ByteBuf input = Unpooled.wrappedBuffer(CompressionTestData.text(20_000));
        ByteBuf first = compressors.compress(coding, input, PooledByteBufAllocator.DEFAULT);
        ByteBuf second = compressors.compress(coding, input, UnpooledByteBufAllocator.DEFAULT);
        try {
            assertThat(ByteBufUtil.equals(first, second)).isTrue();
        } finally {
            first.release();
            second.release();
            input.release();
        }
    }

    @Test
    void gzipHeaderHasNoTimestampAndNamesUnix() {
        for (int level : new int[] {1, 6, 9}) {
            Compressors withLevel = new Compressors(level, 5, 3);
            ByteBuf input = Unpooled.wrappedBuffer(new byte[] {'a', 'b'});
            ByteBuf output = withLevel.compress(ContentCoding.GZIP, input, PooledByteBufAllocator.DEFAULT);
            try {
                byte[] header = ByteBufUtil.getBytes(output, 0, 10);
                int xfl = level == 9 ? 2 : level == 1 ? 4 : 0;
                assertThat(header).containsExactly(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3);
            } finally {
                output.release();
                input.release();
            }
        }
    }

    /** Levels reach the libraries: the slowest level is smaller than the fastest on text. */
    @ParameterizedTest(name = "[{index}] {0}: level {1} < level {2}")
    @CsvSource({"GZIP, 9, 1", "BROTLI, 11, 0", "ZSTD, 19, 1"})
    void levelsReachTheLibraries(ContentCoding coding, int high, int low) {
        ByteBuf input = Unpooled.wrappedBuffer(CompressionTestData.text(100 * 1024));
        ByteBuf small = compressorsWith(coding, high).compress(coding, input, PooledByteBufAllocator.DEFAULT);
        ByteBuf large = compressorsWith(coding, low).compress(coding, input, PooledByteBufAllocator.DEFAULT);
        try {
            assertThat(small.readableBytes()).isLessThan(large.readableBytes());
            assertThat(compressorsWith(coding, high).level(coding)).isEqualTo(high);
        } finally {
            small.release();
            large.release();
            input.release();
        }
    }

    private static Compressors compressorsWith(ContentCoding coding, int level) {
        return switch (coding) {
            case GZIP -> new Compressors(level, 5, 3);
            case BROTLI -> new Compressors(6, level, 3);
            case ZSTD -> new Compressors(6, 5, level);
        };
    }

    @ParameterizedTest(name = "[{index}] gzip {0}, brotli {1}, zstd {2}")
    @CsvSource({"0, 5, 3", "10, 5, 3", "6, -1, 3", "6, 12, 3", "6, 5, 0", "6, 5, 20", "6, 5, 22"})
    void rejectsLevelsOutOfRange(int gzip, int brotli, int zstd) {
        assertThatThrownBy(() -> new Compressors(gzip, brotli, zstd))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("level must be");
    }

    @Test
    void acceptsTheWholeConfiguredRanges() {
        assertThat(new Compressors(1, 0, 1)).hasToString("Compressors[gzip=1, br=0, zstd=1]");
        assertThat(new Compressors(9, 11, 19)).hasToString("Compressors[gzip=9, br=11, zstd=19]");
    }

    @Test
    void nativeProblemsAreDescribedWithTheirCauses() {
        UnsatisfiedLinkError problem = new UnsatisfiedLinkError("Failed to load Brotli native library");
        problem.initCause(new UnsupportedOperationException("Unsupported OS and Architecture: Plan9, mips"));
        assertThat(NativeProblems.describe(problem)).isEqualTo("java.lang.UnsatisfiedLinkError: Failed to load "
                + "Brotli native library; caused by java.lang.UnsupportedOperationException: Unsupported OS and "
                + "Architecture: Plan9, mips");
        assertThat(NativeProblems.describe(null)).isEqualTo("unknown reason");
    }
}
