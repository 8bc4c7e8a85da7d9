package io.carbon.staticfiles;

import io.carbon.compression.ContentCoding;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Reads files into memory for the cache, on the blocking pool, so that what is cached is one consistent
 * version of the file: the bytes are read through one open descriptor and the file is stat'ed before and
 * after; if size, mtime or inode moved in between (a deploy writing in place, a truncation, a rename over
 * it), the read is retried, and after {@link #ATTEMPTS} tries the file is served uncached instead.
 *
 * <p>Why read into memory rather than mmap: a mapped file that is truncated under us raises SIGBUS in the
 * JVM, and one written in place changes the bytes of responses already in flight. A private copy can be
 * neither truncated nor corrupted, and is freed deterministically on eviction.
 *
 * <p>Cached bodies go out from that memory on every protocol, plain HTTP/1.1 included: on this kernel (Linux 6.18,
 * loopback, wrk -c50, taking turns in one run) a writev from memory cost the server less CPU per response than cork,
 * writev, sendfile from a private copy on ext4 and uncork: 9.8-10.3 against 12.4-13.5 us for a 12.7 KB body, 20.9-23.1
 * against 24.2-25.4 us for 100 KB, and 1 MiB went faster too. Files too large to cache still go by sendfile.
 */
final class FileLoader {

    static final int ATTEMPTS = 3;

    private final StaticFileHandler.FileOpener opener;
    private final MimeTypes mimeTypes;
    private final ByteBufAllocator alloc;

    FileLoader(StaticFileHandler.FileOpener opener, MimeTypes mimeTypes, ByteBufAllocator alloc) {
        this.opener = opener;
        this.mimeTypes = mimeTypes;
        this.alloc = alloc;
    }

    /** A file's content as of one version, with that version's stat; released by the caller. */
    record Snapshot(ByteBuf bytes, FileStat stat) {
    }

    /**
     * Reads the whole file consistently.
     *
     * @return the bytes and the stat they belong to, or null when the file kept changing while read
     * @throws NoSuchFileException when it was removed meanwhile
     */
    Snapshot read(Path path, FileStat stat) throws IOException {
        FileStat expected = stat;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            ByteBuf bytes = readOnce(path, expected);
            FileStat after = FileStat.read(path);
            if (bytes != null && sameVersion(expected, after)) {
                return new Snapshot(bytes, after);
            }
            if (bytes != null) {
                bytes.release();
            }
            expected = after;
            if (!after.regularFile()) {
                return null;
            }
        }
        return null;
    }

    private ByteBuf readOnce(Path path, FileStat stat) throws IOException {
        try (FileChannel channel = opener.open(path)) {
            long size = stat.size();
            if (channel.size() != size) {
                return null;
            }
            ByteBuf bytes = alloc.directBuffer((int) size, (int) size);
            try {
                long position = 0;
                while (position < size) {
                    int read = bytes.writeBytes(channel, position, (int) (size - position));
                    if (read < 0) {
                        bytes.release();
                        return null; // truncated while we read
                    }
                    position += read;
                }
                return bytes;
            } catch (IOException | RuntimeException e) {
                bytes.release();
                throw e;
            }
        }
    }

    /** The Content-Type of cached bytes: by name, else sniffed from the bytes themselves. */
    String contentType(String fileName, String etag, ByteBuf bytes) throws IOException {
        return mimeTypes.contentType(fileName, etag, () -> {
            byte[] prefix = new byte[Math.min(MimeTypes.SNIFF_BYTES, bytes.readableBytes())];
            bytes.getBytes(bytes.readerIndex(), prefix);
            return prefix;
        });
    }

    /**
     * Fresh precompressed sidecars of {@code requested} ({@code app.css.br} next to {@code app.css}): regular
     * files, inside the root, and not older than the file itself (an older one was made from a previous
     * version and would send stale content).
     */
    static Map<ContentCoding, CachedFile.Sidecar> sidecars(PathResolver resolver, Path requested, FileStat stat)
            throws IOException {
        Map<ContentCoding, CachedFile.Sidecar> found = new EnumMap<>(ContentCoding.class);
        for (ContentCoding coding : List.of(ContentCoding.values())) {
            Path candidate = requested.resolveSibling(requested.getFileName() + coding.fileSuffix());
            try {
                if (!(resolver.confine(candidate) instanceof PathResolver.Found confined)) {
                    continue;
                }
                FileStat side = FileStat.read(confined.path());
                if (side.regularFile() && side.mtimeNanos() >= stat.mtimeNanos()) {
                    found.put(coding, new CachedFile.Sidecar(confined.path(), side,
                            ETags.withSuffix(ETags.etag(side), coding.token())));
                }
            } catch (NoSuchFileException | java.nio.file.NotDirectoryException e) {
                // no sidecar: the common case
            } catch (java.nio.file.AccessDeniedException e) {
                // unreadable sidecar: serve the original rather than fail
            }
        }
        return found;
    }

    /** Reads a sidecar for the cache; null when it changed meanwhile (the caller then serves identity). */
    ByteBuf readSidecar(CachedFile.Sidecar sidecar) throws IOException {
        Snapshot snapshot = read(sidecar.path(), sidecar.stat());
        if (snapshot == null) {
            return null;
        }
        if (!sameVersion(snapshot.stat(), sidecar.stat())) {
            snapshot.bytes().release();
            return null;
        }
        return snapshot.bytes();
    }

    /** Same content as far as the file system can tell: size, modification time and inode. */
    static boolean sameVersion(FileStat a, FileStat b) {
        return a.size() == b.size() && a.mtimeNanos() == b.mtimeNanos() && a.identity() == b.identity()
                && a.regularFile() == b.regularFile();
    }
}
