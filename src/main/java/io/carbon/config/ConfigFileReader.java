package io.carbon.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads a config file's bytes, turning I/O failures into an error that names the file and the OS reason. */
final class ConfigFileReader {

    /** A config file larger than this is certainly a mistake (a log or a binary given to --config). */
    static final int MAX_BYTES = 1 << 20;

    private ConfigFileReader() {
    }

    static byte[] read(Path file) throws ConfigException {
        if (Files.isDirectory(file)) {
            throw new ConfigException(file, 0, null, "cannot read the config file: is a directory");
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw new ConfigException(file, 0, null,
                        "config file is larger than 1 MiB, expected a small text file");
            }
            return bytes;
        } catch (IOException e) {
            throw new ConfigException(file, 0, null, "cannot read the config file: " + reason(e));
        }
    }

    /** The OS reason in the words of strerror(3), which is what a sysadmin will search for. */
    private static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
