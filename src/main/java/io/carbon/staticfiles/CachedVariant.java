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
 * @param interim      true when made at a quicker level than the configured one, to be replaced by the
 *                     configured level's bytes (under another ETag) once they are made in the background
 * @param okHeaders    its rendered 200 fields
 */
record CachedVariant(String identityEtag, ContentCoding coding, SharedBytes bytes, String etag,
                     boolean interim, OkHeaders okHeaders) implements CacheEntry {

    CachedVariant(String identityEtag, ContentCoding coding, SharedBytes bytes, String etag,
                  boolean interim) {
        this(identityEtag, coding, bytes, etag, interim, new OkHeaders());
    }

    /** A coding that made the file no smaller: remembered so it is not tried again, never sent. */
    static CachedVariant notSmaller(String identityEtag, ContentCoding coding) {
        return new CachedVariant(identityEtag, coding, null, null, false);
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
