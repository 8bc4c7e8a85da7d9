package io.carbon.staticfiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What one {@code stat} tells about a file: enough to choose between file, directory and "other", and to
 * build validators. Read on the blocking pool.
 *
 * @param size        size in bytes
 * @param mtimeNanos  last modification, nanoseconds since the epoch (as precise as the file system keeps it)
 * @param identity    the inode number where the platform exposes it, else a hash of {@code fileKey()}
 * @param regularFile true for a regular file
 * @param directory   true for a directory
 */
public record FileStat(long size, long mtimeNanos, long identity, boolean regularFile, boolean directory) {

    private static final String UNIX_ATTRIBUTES = "unix:size,lastModifiedTime,ino,isRegularFile,isDirectory";

    /** Stats {@code path}, following symlinks. Blocking. */
    public static FileStat read(Path path) throws IOException {
        Map<String, Object> unix;
        try {
            // One stat(2) that also yields the inode; the "unix" view is Linux/macOS only.
            unix = Files.readAttributes(path, UNIX_ATTRIBUTES);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            BasicFileAttributes basic = Files.readAttributes(path, BasicFileAttributes.class);
            Object key = basic.fileKey();
            return new FileStat(basic.size(), nanos(basic.lastModifiedTime()), key == null ? 0 : key.hashCode(),
                    basic.isRegularFile(), basic.isDirectory());
        }
        return new FileStat((Long) unix.get("size"), nanos((FileTime) unix.get("lastModifiedTime")),
                (Long) unix.get("ino"), (Boolean) unix.get("isRegularFile"), (Boolean) unix.get("isDirectory"));
    }

    /** Last modification in whole seconds, the precision of an HTTP-date. */
    public long mtimeSeconds() {
        return Math.floorDiv(mtimeNanos, 1_000_000_000L);
    }

    private static long nanos(FileTime time) {
        return time.to(TimeUnit.NANOSECONDS);
    }
}
