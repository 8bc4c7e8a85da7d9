package io.carbon.staticfiles;

import io.carbon.compression.ContentCoding;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A regular file held in memory with everything a response needs, computed once: validators, Content-Type
 * and the codings it can be offered in.
 *
 * @see FileLoader
 */
final class CachedFile implements CacheEntry {

    /** A fresh precompressed file next to the original ({@code app.css.br}). */
    record Sidecar(Path path, FileStat stat, String etag) {
    }

    private final Path path;
    private final FileStat stat;
    private final String etag;
    private final String lastModifiedDate;
    private final String contentType;
    private final SharedBytes content;
    private final Map<ContentCoding, Sidecar> sidecars;
    private final List<ContentCoding> offered;
    private final OkHeaders okHeaders = new OkHeaders();
    private volatile long checkedNanos;

    /**
     * @param path     the file really read (symlinks resolved)
     * @param offered  the codings this file can be sent in, in the server's order of preference
     */
    CachedFile(Path path, FileStat stat, String etag, String contentType, SharedBytes content,
               Map<ContentCoding, Sidecar> sidecars, List<ContentCoding> offered, long checkedNanos) {
        this.path = path;
        this.stat = stat;
        this.etag = etag;
        this.lastModifiedDate = ETags.httpDate(stat.mtimeSeconds());
        this.contentType = contentType;
        this.content = content;
        this.sidecars = Map.copyOf(sidecars);
        this.offered = List.copyOf(offered);
        this.checkedNanos = checkedNanos;
    }

    Path path() {
        return path;
    }

    FileStat stat() {
        return stat;
    }

    String etag() {
        return etag;
    }

    String lastModifiedDate() {
        return lastModifiedDate;
    }

    String contentType() {
        return contentType;
    }

    SharedBytes content() {
        return content;
    }


    Map<ContentCoding, Sidecar> sidecars() {
        return sidecars;
    }

    List<ContentCoding> offered() {
        return offered;
    }

    /** The rendered 200 fields of the identity representation. */
    OkHeaders okHeaders() {
        return okHeaders;
    }

    long checkedNanos() {
        return checkedNanos;
    }

    /** Confirms the entry still matches the disk as of {@code nanos}. */
    void checked(long nanos) {
        checkedNanos = nanos;
    }

    /** True when {@code other} describes the same file content (path, size, mtime and inode). */
    boolean sameVersion(Path otherPath, FileStat other, Map<ContentCoding, Sidecar> otherSidecars) {
        return path.equals(otherPath) && FileLoader.sameVersion(stat, other) && sidecars.equals(otherSidecars);
    }

    @Override
    public int weight() {
        return OVERHEAD + content.length();
    }

    @Override
    public void evict() {
        content.evict();
    }
}
