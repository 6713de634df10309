package io.p9gate.audit.note;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * fsync(2) for a small file a tool writes to be kept (a signing key, a CRL, a pid file, a report): its content
 * before the rename or close that makes it the file of its name, then the directory that holds the name. Without
 * them a crash (a power cut) soon after could leave the name on an empty file (delayed allocation), an empty key
 * the next run refuses to overwrite, or bring the earlier file back. An interface so that a test can record the
 * calls in their order: a crash cannot be tested here.
 */
public interface DiskSync {
    /** The file's content and metadata on disk; called after its last write, before its rename or close. */
    void file(FileChannel file) throws IOException;

    /** The entries of {@code dir} on disk: a name just created, renamed or removed in it. */
    void directory(Path dir) throws IOException;

    /** The real one. */
    DiskSync FORCED = new DiskSync() {
        @Override
        public void file(FileChannel file) throws IOException {
            file.force(true);
        }

        @Override
        public void directory(Path dir) throws IOException {
            FileChannel entries;
            try {
                entries = FileChannel.open(dir, StandardOpenOption.READ);
            } catch (AccessDeniedException e) {
                // A directory its user may write but not read (0300): the file is in place already, and failing the
                // command for a sync it cannot ask would report a write that happened as failed (keys: deleted).
                return;
            }
            try (entries) {
                entries.force(true);
            }
        }
    };
}
