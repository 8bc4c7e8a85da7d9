package io.carbon.staticfiles;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.carbon.compression.ContentCoding;
import io.carbon.config.FileCacheConfig;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Files, their compressed variants and known-missing paths, kept in memory within {@code cache_max_bytes}.
 * Eviction is Caffeine's W-TinyLFU: frequency-aware, so a crawl over thousands of cold files does not flush
 * the few hot ones.
 *
 * <p>Keys are request paths after lexical resolution (so {@code /a/../b} and {@code /b} share an entry);
 * a variant's key is its file's key plus the coding. An entry answers on the event loop only while it was
 * checked against the disk less than {@code cache_revalidate_ms} ago; after that the caller checks again on
 * the blocking pool (one stat per file per interval, not per request).
 *
 * <p>Evicted and replaced entries free their bytes through {@link CacheEntry#evict()}, on the thread that
 * caused the eviction (a cheap release; Caffeine's own pool is not used, so nothing runs on
 * {@code ForkJoinPool.commonPool}).
 */
final class FileCache {

    private final Cache<String, CacheEntry> entries;
    private final long revalidateNanos;
    private final LongSupplier nanoClock;
    private final LongAdder evictions = new LongAdder();

    FileCache(FileCacheConfig config, LongSupplier nanoClock) {
        this.revalidateNanos = config.revalidate().toNanos();
        this.nanoClock = nanoClock;
        this.entries = Caffeine.newBuilder()
                .maximumWeight(config.maxBytes())
                .weigher((String key, CacheEntry entry) -> entry.weight())
                .executor(Runnable::run)
                .removalListener((String key, CacheEntry entry, com.github.benmanes.caffeine.cache.RemovalCause cause) -> {
                    if (cause.wasEvicted()) {
                        evictions.increment();
                    }
                    if (entry != null) {
                        entry.evict();
                    }
                })
                .build();
    }

    long now() {
        return nanoClock.getAsLong();
    }

    /** The entry for {@code key} if it was checked recently enough to answer without touching the disk. */
    CacheEntry fresh(String key) {
        CacheEntry entry = entries.getIfPresent(key);
        if (entry == null) {
            return null;
        }
        long checked = entry instanceof CachedFile file ? file.checkedNanos()
                : entry instanceof CachedMissing missing ? missing.checkedNanos() : Long.MIN_VALUE;
        return now() - checked < revalidateNanos ? entry : null;
    }

    /** The entry for {@code key} however old, to compare with the disk. */
    CacheEntry any(String key) {
        return entries.getIfPresent(key);
    }

    void put(String key, CacheEntry entry) {
        entries.put(key, entry);
    }

    /** The variant for this version of the file, or null when not computed (or made for an older version). */
    CachedVariant variant(String key, CachedFile file, ContentCoding coding) {
        CacheEntry entry = entries.getIfPresent(variantKey(key, coding));
        return entry instanceof CachedVariant variant && variant.identityEtag().equals(file.etag()) ? variant : null;
    }

    void putVariant(String key, CachedVariant variant) {
        entries.put(variantKey(key, variant.coding()), variant);
    }

    /** Drops everything (reload, shutdown); bytes in use by responses are freed when those finish. */
    void clear() {
        entries.invalidateAll();
        entries.cleanUp();
    }

    /** Bytes charged against the budget now (after pending maintenance), for tests and diagnostics. */
    long weightedSize() {
        entries.cleanUp();
        return entries.policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
    }

    /** Entries evicted for the byte budget (not replaced or invalidated ones), since start. */
    long evictions() {
        return evictions.sum();
    }

    /** Bytes charged against the budget as of the last maintenance, read without running any (for metrics). */
    long weightedSizeNow() {
        return entries.policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
    }

    /** Entries held, approximately (Caffeine's estimate). */
    long entries() {
        return entries.estimatedSize();
    }

    static String variantKey(String key, ContentCoding coding) {
        // NUL cannot occur in a resolved path, so no file's key collides with a variant's.
        return key + '\0' + coding.token();
    }
}
