package io.carbon.config;

import java.util.List;

/**
 * Content coding of responses.
 *
 * @param enabled       {@code enable_compression}: Carbon compresses compressible responses itself
 * @param encodings     {@code compression}: the codings Carbon produces, in the server's order of preference
 *                      (lower case: {@code br}, {@code zstd}, {@code gzip})
 * @param gzipLevel     {@code compression_level_gzip} (1–9)
 * @param brotliLevel   {@code compression_level_brotli} (0–11)
 * @param zstdLevel     {@code compression_level_zstd} (1–19)
 * @param types         {@code compression_types}: media-type patterns worth compressing ({@code text/*},
 *                      {@code application/json}, {@code application/*+json})
 * @param minSize       {@code compression_min_size}: smaller responses are sent as they are
 * @param precompressed {@code precompressed}: serve fresh {@code .br}, {@code .zst}, {@code .gz} sidecar files
 */
public record CompressionConfig(
        boolean enabled,
        List<String> encodings,
        int gzipLevel,
        int brotliLevel,
        int zstdLevel,
        List<String> types,
        long minSize,
        boolean precompressed) {

    public CompressionConfig {
        encodings = List.copyOf(encodings);
        types = List.copyOf(types);
    }
}
