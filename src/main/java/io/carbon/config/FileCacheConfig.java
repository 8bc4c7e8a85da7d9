package io.carbon.config;

import java.time.Duration;

/**
 * The in-memory file cache.
 *
 * @param maxBytes    {@code cache_max_bytes}: total bytes of cached content and compressed variants; 0 = no cache
 * @param maxFileSize {@code cache_max_file_size}: larger files are never cached (sent by sendfile or chunks)
 * @param revalidate  {@code cache_revalidate_ms}: a cached answer is checked against the file at most this old
 */
public record FileCacheConfig(long maxBytes, long maxFileSize, Duration revalidate) {

    /** True when files can be cached at all. */
    public boolean enabled() {
        return maxBytes > 0 && maxFileSize > 0;
    }
}
