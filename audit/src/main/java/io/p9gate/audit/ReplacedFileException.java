package io.p9gate.audit;

import java.io.IOException;
import java.io.Serial;
import java.nio.file.Path;

/**
 * A file the writer made and renames (the spare, the pending segment) is not at the name it renames or renamed it
 * to: someone who can write the audit directory put another file there. The writer does not take that file for its
 * own: the write (a rotation, retried with a new file) or the seal (the log stays failed until a restart) fails.
 */
final class ReplacedFileException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    ReplacedFileException(Path file, Path name) {
        super(file.getFileName() + " was replaced: " + name + " holds another file than the one the writer made"
                + " (someone who can write " + file.getParent() + " put it there); it is not taken into the log");
    }
}
