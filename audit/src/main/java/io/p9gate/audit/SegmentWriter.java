package io.p9gate.audit;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends record lines to the current segment and starts a new segment (named after its first sequence number)
 * once the current one reaches the size limit. The chain simply continues across files. Every line is handed to
 * the kernel before {@link #write} returns, so a process crash loses nothing acknowledged; fsync happens at
 * checkpoints and at rotation.
 */
final class SegmentWriter implements Closeable {
    private final Path dir;
    private final long maxBytes;
    /** Volatile: the checkpoint thread forces whichever channel is current while appenders write. */
    private volatile FileChannel channel;
    private long written;

    /** Continues {@code current} (truncated to {@code validLength}) or, when null, starts at the next record. */
    SegmentWriter(Path dir, long maxBytes, Path current, long validLength) throws IOException {
        this.dir = dir;
        this.maxBytes = maxBytes;
        if (current != null) {
            channel = FileChannel.open(current, StandardOpenOption.WRITE);
            channel.truncate(validLength);
            channel.position(validLength);
            written = validLength;
        }
    }

    void write(byte[] record, long seq) throws IOException {
        if (channel == null || written >= maxBytes) {
            rotate(seq);
        }
        ByteBuffer line = ByteBuffer.allocate(record.length + 1).put(record).put((byte) '\n').flip();
        while (line.hasRemaining()) {
            written += channel.write(line);
        }
    }

    /**
     * Makes every line written so far durable. Safe to call from another thread than the writer: if a rotation
     * closes the channel meanwhile, that rotation has already forced it.
     */
    void force() throws IOException {
        FileChannel current = channel;
        if (current == null) {
            return;
        }
        try {
            current.force(false);
        } catch (java.nio.channels.ClosedChannelException rotatedAway) {
            // rotate() and close() force before closing
        }
    }

    private void rotate(long firstSeq) throws IOException {
        if (channel != null) {
            channel.force(false);
            channel.close();
            channel = null;
        }
        channel = FileChannel.open(LogDirectory.segmentFile(dir, firstSeq),
                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        written = 0;
        // The new directory entry must be durable too, or a crash could lose a whole fsynced segment.
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            channel.force(false);
            channel.close();
            channel = null;
        }
    }
}
