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
    /** Records handed to the kernel so far; read by {@link #force} before it picks the segment to force. */
    private volatile long records;

    /**
     * Continues {@code current} (truncated to {@code validLength}) or, when null, starts at the next record.
     * {@code records} is how many records the log already holds.
     */
    SegmentWriter(Path dir, long maxBytes, Path current, long validLength, long records) throws IOException {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.records = records;
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
        records = seq + 1;
    }

    /**
     * Makes every line written before the call durable and returns how many records that is (lines written
     * meanwhile may or may not be durable). Safe to call from another thread than the writer: a rotation forces
     * a segment before it stops being {@code out}, so a segment that is no longer (or not yet) current needs
     * nothing here.
     */
    long force() throws IOException {
        long covered = records; // read before out: these records are in out or in segments already forced
        FileOutputStream current = out;
        if (current != null) {
            try {
                current.getChannel().force(false);
            } catch (ClosedChannelException rotatedAway) {
                // closeCurrent() forced it before closing
            }
        }
        return covered;
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
            // Force before clearing out: a concurrent force() that finds out null must find this segment durable.
            current.getChannel().force(false);
            out = null;
            current.close();
        }
    }

    @Override
    public void close() throws IOException {
        closeCurrent();
    }
}
