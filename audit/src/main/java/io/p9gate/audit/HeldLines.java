package io.p9gate.audit;

import io.p9gate.audit.read.LineHeader;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.util.Arrays;

/**
 * Record lines kept for one write(2) ({@link SegmentWriter#hold}), each with its newline, in order; they follow
 * what the writer has written. Changed under the log's lock; {@link #records} is also read without it.
 */
final class HeldLines {
    /** Bytes of lines held for one write(2) at most: about a hundred records of a 9P request. */
    static final int HELD_BYTES = 64 * 1024;

    private final byte[] held = new byte[HELD_BYTES];

    private int bytes;
    private volatile int records;
    /** The record after the last held line. */
    private long upTo;
    /** Offset in {@link #held} and length (without newline) of the last held line. */
    private int lastOffset;

    private int lastLength;

    int bytes() {
        return bytes;
    }

    /** Lines held; read without the log's lock (a cheap check before taking it). */
    int records() {
        return records;
    }

    /** The record after the last held line. */
    long upTo() {
        return upTo;
    }

    /** Where the last held line starts in what {@link #writeTo} writes, and its length without newline. */
    int lastOffset() {
        return lastOffset;
    }

    int lastLength() {
        return lastLength;
    }

    /** Whether a line of {@code length} (and its newline) fits after the lines held. */
    boolean fits(int length) {
        return bytes + length + 1 <= held.length;
    }

    /** Keeps record {@code seq}'s line, {@code line[0, length]} with its newline; the caller checked it fits. */
    void add(byte[] line, int length, long seq) {
        System.arraycopy(line, 0, held, bytes, length + 1);
        lastOffset = bytes;
        lastLength = length;
        bytes += length + 1;
        upTo = seq + 1;
        records = records + 1; // under the log's lock; volatile for records()
    }

    /** Forgets the last held line; the one before it, if any, becomes the last. */
    void dropLast() {
        bytes = lastOffset;
        records = records - 1;
        upTo--;
        int start = bytes - 1; // the newline of the line before, if any
        while (start > 0 && held[start - 1] != '\n') {
            start--;
        }
        lastOffset = Math.max(start, 0);
        lastLength = bytes - 1 - lastOffset;
    }

    /** Writes the held lines in one write(2); they stay held until {@link #clear}. */
    void writeTo(RandomAccessFile out) throws IOException {
        out.write(held, 0, bytes);
    }

    void clear() {
        bytes = 0;
        records = 0;
    }

    /** The header of the first held line: the record it follows is the one the written lines must end with. */
    LineHeader firstHeader() {
        int firstLength = 0;
        while (held[firstLength] != '\n') {
            firstLength++;
        }
        return LineHeader.parse(Arrays.copyOf(held, firstLength))
                .orElseThrow(() -> new IllegalStateException("a held line without its header"));
    }
}
