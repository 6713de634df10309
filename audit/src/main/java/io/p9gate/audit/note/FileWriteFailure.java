package io.p9gate.audit.note;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * A write's failure said as the failure of the file a tool was writing: ENOSPC and EIO come as a bare "No space left
 * on device", naming no file ({@code CliMessages.ioProblem} says a {@link FileSystemException} as "FILE: reason").
 */
public final class FileWriteFailure {
    private FileWriteFailure() {}

    /** {@code e} if it names a file already, else {@code e} as {@code file}'s. */
    public static IOException of(Path file, IOException e) {
        if (e instanceof FileSystemException) {
            return e;
        }
        FileSystemException named = new FileSystemException(file.toString(), null, e.getMessage());
        named.initCause(e);
        return named;
    }
}
