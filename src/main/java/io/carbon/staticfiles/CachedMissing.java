package io.carbon.staticfiles;

/** A path with no file behind it, remembered so a flood of 404s does not cost a stat each. */
final class CachedMissing implements CacheEntry {

    private volatile long checkedNanos;

    CachedMissing(long checkedNanos) {
        this.checkedNanos = checkedNanos;
    }

    long checkedNanos() {
        return checkedNanos;
    }

    void checked(long nanos) {
        checkedNanos = nanos;
    }

    @Override
    public int weight() {
        return OVERHEAD;
    }

    @Override
    public void evict() {
    }
}
