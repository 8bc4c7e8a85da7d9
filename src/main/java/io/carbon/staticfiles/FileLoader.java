package io.carbon.staticfiles;

import io.carbon.compression.ContentCoding;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import com.sun.management.UnixOperatingSystemMXBean;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads files into memory for the cache, on the blocking pool, so that what is cached is one consistent
 * version of the file: the bytes are read through one open descriptor and the file is stat'ed before and
 * after; if size, mtime or inode moved in between (a deploy writing in place, a truncation, a rename over
 * it), the read is retried, and after {@link #ATTEMPTS} tries the file is served uncached instead.
 *
 * <p>Why read into memory rather than mmap: a mapped file that is truncated under us raises SIGBUS in the
 * JVM, and one written in place changes the bytes of responses already in flight. A private copy can be
 * neither truncated nor corrupted, and is freed deterministically on eviction.
 */
final class FileLoader {

    static final int ATTEMPTS = 3;
    /**
     * Bodies at least this large (files and their compressed variants) also get a private copy on disk, sent
     * by sendfile on plain HTTP/1.1: from about this size copying the bytes from memory into the socket costs
     * more than handing over page-cache pages. Measured with wrk on loopback, same run, writev from memory
     * against sendfile from the copy: 4 KB 163k against 152k req/s, 8 KB 153k against 155k, 16 KB 139k
     * against 148k, 32 KB 114k against 131k (nginx, which sends every size by sendfile: 171k, 172k, 161k, 129k).
     */
    static final int SNAPSHOT_MIN_SIZE = 12 * 1024;
    /** Fewest private copies allowed open at once, whatever the descriptor limit. */
    static final int MIN_SNAPSHOTS = 64;

    private final StaticFileHandler.FileOpener opener;
    private final MimeTypes mimeTypes;
    private final ByteBufAllocator alloc;
    /** Where private copies go, or null for none. */
    private final Path snapshots;
    /** Each open copy holds a descriptor: at most this many are open at once. */
    private final int maxSnapshots;
    private final AtomicInteger openSnapshots = new AtomicInteger();

    FileLoader(StaticFileHandler.FileOpener opener, MimeTypes mimeTypes, ByteBufAllocator alloc, Path snapshots) {
        this(opener, mimeTypes, alloc, snapshots, snapshotLimit());
    }

    FileLoader(StaticFileHandler.FileOpener opener, MimeTypes mimeTypes, ByteBufAllocator alloc, Path snapshots,
               int maxSnapshots) {
        this.opener = opener;
        this.mimeTypes = mimeTypes;
        this.alloc = alloc;
        this.snapshots = snapshots;
        this.maxSnapshots = maxSnapshots;
    }

    /**
     * A quarter of the process's descriptor limit (the rest is for connections, files being read and logs):
     * 16384 copies under carbon.service's {@code LimitNOFILE=65536}.
     */
    static int snapshotLimit() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
            return (int) Math.max(MIN_SNAPSHOTS, Math.min(Integer.MAX_VALUE, unix.getMaxFileDescriptorCount() / 4));
        }
        return MIN_SNAPSHOTS;
    }

    /**
     * The JVM's temp directory ({@code java.io.tmpdir}) when it is a writable directory, else /dev/shm. A
     * disk file system's page cache (ext4 and XFS keep a file written in one go in large folios) is cheaper to
     * sendfile from than tmpfs, which splices 4 KiB pages one lookup at a time: 100 KB responses cost the
     * server 10 to 13 µs of CPU from /tmp on ext4 against 13 µs from /dev/shm, on Linux 6.18 (nginx: 10 µs).
     * The copy is written once per file version and stays in the page cache while the file is hot.
     */
    static Path snapshotDirectory() {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        if (java.nio.file.Files.isDirectory(tmp) && java.nio.file.Files.isWritable(tmp)) {
            return tmp;
        }
        return Path.of("/dev/shm");
    }

    /**
     * A private copy of {@code bytes} for sendfile, or null for small bodies, when {@link #maxSnapshots} are
     * open, and when there is no room on disk: without one, the bytes in memory still serve, by writev.
     */
    SnapshotFile snapshot(ByteBuf bytes) {
        if (snapshots == null || bytes.readableBytes() < SNAPSHOT_MIN_SIZE) {
            return null;
        }
        if (openSnapshots.incrementAndGet() > maxSnapshots) {
            openSnapshots.decrementAndGet();
            return null;
        }
        try {
            return SnapshotFile.write(snapshots, bytes, openSnapshots::decrementAndGet);
        } catch (IOException e) {
            openSnapshots.decrementAndGet();
            return null;
        }
    }

    /** Private copies open now. */
    int openSnapshots() {
        return openSnapshots.get();
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
