package io.p9gate.audit;

import io.p9gate.audit.read.WritableFile;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on {@code DIR/writer.lock}: two writers interleaving lines would break the chain, so a second
 * {@link AuditLog} on the same directory (in this or another process) is refused. Readers never take it.
 */
final class WriterLock implements Closeable {
    static final String FILE = io.p9gate.audit.read.LogDirectory.WRITER_LOCK;
    private final FileChannel channel;
    private final FileLock lock;

    private WriterLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static WriterLock acquire(Path dir) throws IOException {
        // Never by name: a FIFO put there held the start in open(2), a link made it create a file outside the
        // directory.
        FileChannel channel = WritableFile.open(
                dir.resolve(FILE), WritableFile.Rule.OWN_OR_NEW, fd -> FileChannel.open(fd, StandardOpenOption.WRITE));
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new IOException("audit log " + dir + " is already open for writing");
        }
        return new WriterLock(channel, lock);
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
