package io.p9gate.audit;

import io.p9gate.audit.note.SigningKey;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

/**
 * For tests outside this package: the segment files of a log whose record lines cannot be written while
 * {@link #failing} is set (each such write(2) fails, as on a full disk), and its recovery on demand.
 */
public final class FailingLineWrites implements SegmentWriter.SegmentFiles {
    public volatile boolean failing;

    /** Opens a log over these files. */
    public AuditLog open(Path dir, SigningKey key, AuditOptions options) throws IOException, AuditWriteException {
        return AuditLog.open(dir, key, options, CheckpointObserver.NONE, this);
    }

    /** Tries the failed log's recovery now instead of waiting for its timer; true when it is writable. */
    public static boolean recoverNow(AuditLog log) {
        return log.recoverNow();
    }

    @Override
    public RandomAccessFile open(Path file) throws IOException {
        return new RandomAccessFile(file.toFile(), "rw") {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (failing && len > 0 && b[off] == '{') {
                    throw new IOException("No space left on device");
                }
                super.write(b, off, len);
            }
        };
    }
}
