package io.carbon.compression;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One-shot compressors with the configured levels, for cached files and their compressed variants.
 * CPU-heavy: callers run them on the blocking pool, never on an event loop. Immutable and thread-safe: every
 * call uses its own native encoder state.
 *
 * <p>Brotli and zstd need native libraries (bundled for Linux x86-64). The constructor loads each once and
 * proves it with a tiny compression; a coding that fails is not {@link #available}, and
 * {@link #unavailableReason} says why, for a warning at startup. gzip is {@link java.util.zip.Deflater}, always
 * there.
 *
 * <p>A slow level is not made to keep a client waiting: {@link #quickLevel} caps each coding at a level that
 * compresses 100 KB in about a millisecond, for the first response, and the configured level is then applied
 * in the background (see {@code StaticFileHandler}).
 *
 * <p>Outputs are complete, standard streams: gzip (RFC 1952) with MTIME 0, so equal input gives equal bytes;
 * Brotli (RFC 7932); zstd frames (RFC 8878) with content size and checksum. zstd levels stop at 19: above
 * that the window grows past the 8 MB that HTTP decoders are required to support (RFC 9659).
 */
public final class Compressors {

    /** The highest levels that {@link #quickLevel} allows. */
    private static final int QUICK_BROTLI = 5;
    private static final int QUICK_ZSTD = 9;

    private final int gzipLevel;
    private final int brotliLevel;
    private final int zstdLevel;
    private final boolean brotliLoaded;
    private final boolean zstdLoaded;
    private final Map<ContentCoding, String> unavailable = new EnumMap<>(ContentCoding.class);

    /**
     * @param gzipLevel   1–9
     * @param brotliLevel 0–11
     * @param zstdLevel   1–19
     * @throws IllegalArgumentException for a level out of range
     */
    public Compressors(int gzipLevel, int brotliLevel, int zstdLevel) {
        this.gzipLevel = checkLevel("gzip", gzipLevel, 1, 9);
        this.brotliLevel = checkLevel("brotli", brotliLevel, 0, 11);
        this.zstdLevel = checkLevel("zstd", zstdLevel, 1, 19);
        Optional<String> brotliProblem = BrotliCodec.unavailableReason();
        brotliProblem.ifPresent(reason -> unavailable.put(ContentCoding.BROTLI, reason));
        this.brotliLoaded = brotliProblem.isEmpty();
        Optional<String> zstdProblem = ZstdCodec.unavailableReason();
        zstdProblem.ifPresent(reason -> unavailable.put(ContentCoding.ZSTD, reason));
        this.zstdLoaded = zstdProblem.isEmpty();
    }

    private static int checkLevel(String name, int level, int min, int max) {
        if (level < min || level > max) {
            throw new IllegalArgumentException(name + " level must be " + min + " to " + max + ", got " + level);
        }
        return level;
    }

    /** True when this coding works here: Brotli and zstd need their native libraries, gzip is always there. */
    public boolean available(ContentCoding coding) {
        return !unavailable.containsKey(Objects.requireNonNull(coding, "coding"));
    }

    /** Why a coding is not {@link #available}, for a startup warning; empty when it is available. */
    public Optional<String> unavailableReason(ContentCoding coding) {
        return Optional.ofNullable(unavailable.get(Objects.requireNonNull(coding, "coding")));
    }

    /** The configured level of a coding. */
    public int level(ContentCoding coding) {
        return switch (coding) {
            case GZIP -> gzipLevel;
            case BROTLI -> brotliLevel;
            case ZSTD -> zstdLevel;
        };
    }

    /**
     * The level that makes a file's first variant: the configured level up to brotli 5 and zstd 9, which
     * compress 100 KB in about a millisecond (brotli 11 takes about 140 ms, zstd 19 about 50 ms). gzip is
     * as quick at every level, so it is always the configured one.
     */
    public int quickLevel(ContentCoding coding) {
        return switch (coding) {
            case GZIP -> gzipLevel;
            case BROTLI -> Math.min(brotliLevel, QUICK_BROTLI);
            case ZSTD -> Math.min(zstdLevel, QUICK_ZSTD);
        };
    }

    /**
     * Compresses the input's readable bytes at the configured {@link #level}: {@link #compress(ContentCoding,
     * int, ByteBuf, ByteBufAllocator)} with that level.
     */
    public ByteBuf compress(ContentCoding coding, ByteBuf input, ByteBufAllocator alloc) {
        return compress(coding, level(coding), input, alloc);
    }

    /**
     * Compresses the input's readable bytes into a new buffer from {@code alloc} (direct). The input is left
     * as it was: same reader index, not released. Never returns the input itself or a shared buffer: the
     * result is the caller's to release.
     *
     * <p>No copy of the input is made for gzip (heap or direct) and for zstd with a direct, single-piece input;
     * zstd with other inputs, and Brotli always, copy the input once (see the codec notes).
     *
     * @param level a level of the coding, such as {@link #level} or {@link #quickLevel}
     * @throws IllegalStateException when the coding is not {@link #available}
     * @throws CompressionException  when the library fails, or the input is too large for one buffer
     */
    public ByteBuf compress(ContentCoding coding, int level, ByteBuf input, ByteBufAllocator alloc) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(alloc, "alloc");
        if (!available(coding)) {
            throw new IllegalStateException(coding.token() + " is not available: " + unavailable.get(coding));
        }
        return switch (coding) {
            case GZIP -> GzipStream.compress(level, input, alloc);
            case BROTLI -> BrotliCodec.compress(input, alloc, level);
            case ZSTD -> ZstdCodec.compress(input, alloc, level);
        };
    }

    @Override
    public String toString() {
        return "Compressors[gzip=" + gzipLevel + ", br=" + brotliLevel + (brotliLoaded ? "" : " (unavailable)")
                + ", zstd=" + zstdLevel + (zstdLoaded ? "" : " (unavailable)") + "]";
    }
}
