package io.carbon.staticfiles;

import io.carbon.compression.ContentCoding;

/**
 * One content-coded representation of a cached file: a precompressed sidecar read into memory, or the
 * file compressed once by Carbon. Valid only while the file's identity ETag is {@code identityEtag}.
 *
 * @param identityEtag the ETag of the identity representation it was made from
 * @param coding       its content coding
 * @param bytes        the coded bytes; null when coding did not make the file smaller (then it is never sent)
 * @param etag         its own strong ETag (RFC 9110 §8.8.3: differs from the identity one)
 * @param okHeaders    its rendered 200 fields
 */
record CachedVariant(String identityEtag, ContentCoding coding, SharedBytes bytes, String etag, OkHeaders okHeaders)
        implements CacheEntry {

    CachedVariant(String identityEtag, ContentCoding coding, SharedBytes bytes, String etag) {
        this(identityEtag, coding, bytes, etag, new OkHeaders());
    }

    boolean worthSending() {
        return bytes != null;
    }

    @Override
    public int weight() {
        return OVERHEAD + (bytes == null ? 0 : bytes.length());
    }

    @Override
    public void evict() {
        if (bytes != null) {
            bytes.evict();
        }
    }
}
