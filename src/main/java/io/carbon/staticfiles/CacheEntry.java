package io.carbon.staticfiles;

/**
 * What the file cache remembers under one key: a file's bytes and metadata, a compressed variant of them,
 * or the fact that nothing is there. Entries are immutable apart from the time of their last check.
 */
sealed interface CacheEntry permits CachedFile, CachedMissing, CachedVariant {

    /** Bookkeeping bytes charged per entry on top of its content (key, object headers, metadata). */
    int OVERHEAD = 512;

    /** Bytes this entry costs against {@code cache_max_bytes}. */
    int weight();

    /** Called once when the cache drops the entry: frees its bytes once no response uses them. */
    void evict();
}
