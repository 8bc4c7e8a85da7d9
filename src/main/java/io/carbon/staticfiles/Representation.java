package io.carbon.staticfiles;

import io.carbon.compression.ContentCoding;

/**
 * The representation chosen for one response (RFC 9110 §3.2): the file as it is, or one of its content-coded
 * variants, with its own validator and length.
 *
 * @param etag         strong ETag of exactly these bytes
 * @param lastModified the file's modification time, seconds
 * @param lastModifiedDate the same as an HTTP-date (formatted once per cached file, not per response)
 * @param contentType  the file's media type (the same for every coding)
 * @param coding       null for identity
 * @param length       bytes, or -1 when produced as a stream of unknown length
 * @param varies       true when the choice depended on Accept-Encoding (then {@code Vary: Accept-Encoding})
 * @param okHeaders    where a cached representation keeps its rendered 200 fields; null when not cached
 */
record Representation(String etag, long lastModified, String lastModifiedDate, String contentType, ContentCoding coding,
                      long length, boolean varies, OkHeaders okHeaders) {

    /** A representation read from disk or streamed: its fields are rendered per response. */
    Representation(String etag, long lastModified, String lastModifiedDate, String contentType, ContentCoding coding,
                   long length, boolean varies) {
        this(etag, lastModified, lastModifiedDate, contentType, coding, length, varies, null);
    }
}
