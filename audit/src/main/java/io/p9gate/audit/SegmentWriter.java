package io.p9gate.audit;

import java.io.Closeable;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends record lines to the current segment and starts a new segment (named after its first sequence number)
 * once the current one reaches the size limit. The chain simply continues across files. Every line is handed to
 * the kernel before {@link #write} returns, so a process crash loses nothing acknowledged; fsync happens at
 * checkpoints and at rotation.
 *
 * <p>Lines are written through a {@link FileOutputStream}, not a {@code FileChannel}: an interrupted appender
 * thread (a flushed 9P request, say) would otherwise close the channel and with it the whole log.
 */
final class SegmentWriter implements Closeable {
    private final Path dir;
    private final long maxBytes;
    /** Volatile: the checkpoint thread forces whichever segment is current while appenders write. */
    private volatile FileOutputStream out;
    private long written;

    /** Continues {@code current} (truncated to {@code validLength}) or, when null, starts at the next record. */
    SegmentWriter(Path dir, long maxBytes, Path current, long validLength) throws IOException {
        this.dir = dir;
        this.maxBytes = maxBytes;
        if (current != null) {
            try (FileChannel ch = FileChannel.open(current, StandardOpenOption.WRITE)) {
                ch.truncate(validLength); // cut a torn last line (see LogRecovery)
            }
            out = new FileOutputStream(current.toFile(), true);
            written = validLength;
        }
    }

    void write(byte[] record, long seq) throws IOException {
        if (out == null || written >= maxBytes) {
            rotate(seq);
        }
        byte[] line = new byte[record.length + 1];
        System.arraycopy(record, 0, line, 0, record.length);
        line[record.length] = '\n';
        out.write(line);
        written += line.length;
    }

    /**
     * Makes every line written so far durable. Safe to call from another thread than the writer: if a rotation
     * closes the segment meanwhile, that rotation has already forced it.
     */
    void force() throws IOException {
        FileOutputStream current = out;
        if (current == null) {
            return;
        }
        try {
            current.getChannel().force(false);
        } catch (ClosedChannelException rotatedAway) {
            // rotate() and close() force before closing
        }
    }

    private void rotate(long firstSeq) throws IOException {
        closeCurrent();
        Path next = LogDirectory.segmentFile(dir, firstSeq);
        try (FileChannel created = FileChannel.open(next, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            // CREATE_NEW: never append to a file this writer did not start
        }
        out = new FileOutputStream(next.toFile(), true);
        written = 0;
        // The new directory entry must be durable too, or a crash could lose a whole fsynced segment.
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    private void closeCurrent() throws IOException {
        FileOutputStream current = out;
        if (current != null) {
            out = null;
            current.getChannel().force(false);
            current.close();
        }
    }

    @Override
    public void close() throws IOException {
        closeCurrent();
    }
}
