package io.carbon.logging;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Turns an {@link IOException} from {@code java.nio.file} into the reason a user understands. */
final class IoReasons {

    private IoReasons() {
    }

    /**
     * NIO reports some errno values only through the exception's class (its message is then just the path),
     * so those are spelled out like {@code strerror} would; otherwise the OS reason is used as given.
     */
    static String describe(IOException e) {
        if (e instanceof FileSystemException fse) {
            if (fse.getReason() != null) {
                return fse.getReason();
            }
            if (e instanceof AccessDeniedException) {
                return "Permission denied";
            }
            if (e instanceof NoSuchFileException) {
                return "No such file or directory";
            }
            if (e instanceof NotDirectoryException) {
                return "Not a directory";
            }
            if (e instanceof FileAlreadyExistsException) {
                return "a file with that name exists and is not a directory";
            }
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
