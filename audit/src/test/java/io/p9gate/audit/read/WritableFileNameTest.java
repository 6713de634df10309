package io.p9gate.audit.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A failing open is said with the file's own name, not the descriptor path it was opened through. */
class WritableFileNameTest {
    @TempDir
    Path dir;

    /**
     * An audit directory on a file system mounted read-only stopped serve with "cannot open audit log DIR:
     * /proc/self/fd/47: Read-only file system": the open through the checked descriptor named a path nobody gave.
     * The opener here fails as Java's own open does there (EROFS, named by the path it was given).
     */
    @Test
    void anOpenThatFailsNamesTheFile() throws Exception {
        Path file = Files.writeString(dir.resolve("checkpoints.jsonl"), "");
        FileSystemException e = assertThrows(
                FileSystemException.class,
                () -> WritableFile.open(file, WritableFile.Rule.OWN_OR_NEW, descriptor -> {
                    throw new FileSystemException(descriptor.toString(), null, "Read-only file system");
                }));
        assertEquals(file + ": Read-only file system", e.getMessage());
    }
}
