package io.carbon.staticfiles;

import io.carbon.compression.CompressibleTypes;
import io.carbon.compression.Compressors;
import io.carbon.compression.ContentCoding;
import io.carbon.config.CompressionConfig;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which content codings a file can be offered in: its fresh precompressed sidecars ({@code precompressed}),
 * plus the codings Carbon makes itself ({@code enable_compression}, {@code compression}) when its type is
 * compressible and it is at least {@code compression_min_size}. The order is the server's preference:
 * the {@code compression} list first, then any other coding a sidecar exists for.
 */
final class CompressionPolicy {

    private final CompressionConfig config;
    private final Compressors compressors;
    private final CompressibleTypes types;
    /** Codings listed in {@code compression} with {@code enable_compression} on. */
    private final List<ContentCoding> configured;
    /** Codings Carbon produces itself, in preference order, natives permitting. */
    private final List<ContentCoding> produced;
    /** Every coding, in preference order: the configured ones first. */
    private final List<ContentCoding> preference;

    CompressionPolicy(CompressionConfig config, Compressors compressors) {
        this.config = config;
        this.compressors = compressors;
        this.types = new CompressibleTypes(config.types());
        Set<ContentCoding> order = new LinkedHashSet<>();
        List<ContentCoding> made = new ArrayList<>();
        List<ContentCoding> wanted = new ArrayList<>();
        for (String token : config.encodings()) {
            ContentCoding coding = ContentCoding.fromToken(token);
            order.add(coding);
            if (config.enabled()) {
                wanted.add(coding);
                if (compressors.available(coding)) {
                    made.add(coding);
                }
            }
        }
        this.configured = List.copyOf(wanted);
        order.addAll(List.of(ContentCoding.values()));
        this.produced = List.copyOf(made);
        this.preference = List.copyOf(order);
    }

    Compressors compressors() {
        return compressors;
    }

    /** The codings the configuration asks Carbon to produce (whether or not their library loaded). */
    List<ContentCoding> configured() {
        return configured;
    }

    boolean precompressed() {
        return config.precompressed();
    }

    int gzipLevel() {
        return config.gzipLevel();
    }

    /** Codings for a cached file: sidecars and every coding Carbon makes (computed once, kept in memory). */
    List<ContentCoding> forCached(Set<ContentCoding> sidecars, String contentType, long size) {
        return offered(sidecars, compressible(contentType, size) ? produced : List.of());
    }

    /**
     * Codings for a file too large to cache: sidecars (sent by sendfile) and, when allowed, gzip streamed as
     * it is sent. Streaming has no Content-Length and cannot serve ranges, so a Range request gets the
     * identity representation instead (documented in docs/configuration.md).
     */
    List<ContentCoding> forUncached(Set<ContentCoding> sidecars, String contentType, long size,
                                    boolean streamingAllowed) {
        boolean stream = streamingAllowed && produced.contains(ContentCoding.GZIP) && compressible(contentType, size);
        return offered(sidecars, stream ? List.of(ContentCoding.GZIP) : List.of());
    }

    private boolean compressible(String contentType, long size) {
        return !produced.isEmpty() && size >= config.minSize() && types.matches(contentType);
    }

    private List<ContentCoding> offered(Set<ContentCoding> sidecars, List<ContentCoding> made) {
        if (sidecars.isEmpty() && made.isEmpty()) {
            return List.of();
        }
        List<ContentCoding> offered = new ArrayList<>(3);
        for (ContentCoding coding : preference) {
            if (sidecars.contains(coding) || made.contains(coding)) {
                offered.add(coding);
            }
        }
        return offered;
    }
}
