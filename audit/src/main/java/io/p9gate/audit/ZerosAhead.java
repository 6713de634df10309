package io.p9gate.audit;

import java.io.IOException;
import java.io.RandomAccessFile;

/**
 * The zeros written ahead of the records in the current segment, and where they end (its length; never below the
 * records). An fsync of a file that grew must also commit the file system's journal (its new size), and on ext4
 * that commit waits for every other file's data the journal orders before it: a guest's bulk writes made each
 * intent's fsync 3x slower (median; 5-18x at the 90th percentile). Records written over zeros change no size, so
 * their fsync is the data alone. Readers take a run of zeros that reaches the end of a segment as not written yet
 * (docs/audit-format.md). Used under the log's lock.
 */
final class ZerosAhead {
    /** Bytes of zeros written ahead; a log with a byte budget zeroes at most a sixteenth of it ({@link #aheadFor}). */
    static final int ZEROED_AHEAD = 1 << 20;

    private static final byte[] ZEROS = new byte[64 * 1024];

    private final long ahead;
    private final long maxBytes;
    /** Where the zeros written ahead in the current segment end (its length). */
    private long zeroedTo;

    /** @param maxBytes the segment's size limit: no zeros past it */
    ZerosAhead(long ahead, long maxBytes) {
        this.ahead = ahead;
        this.maxBytes = maxBytes;
    }

    /** How far ahead a log zeroes its segment: {@link #ZEROED_AHEAD}, at most a sixteenth of a byte budget. */
    static long aheadFor(long budgetBytes) {
        return budgetBytes > 0 ? Math.min(ZEROED_AHEAD, budgetBytes / 16) : ZEROED_AHEAD;
    }

    /** The current segment now ends at {@code length}, with no zeros after its records. */
    void endAt(long length) {
        zeroedTo = length;
    }

    /**
     * Makes the zeros in {@code out}, whose records end at {@code written}, reach at least {@code needed}: writes
     * them up to {@link #ZEROED_AHEAD} past the records if the segment's size limit leaves room. Not fsynced here:
     * the next fsync carries the new size once. Leaves {@code out} at {@code written}.
     */
    void cover(RandomAccessFile out, long written, long needed) throws IOException {
        if (needed <= zeroedTo) {
            return;
        }
        long target = Math.max(needed, Math.min(written + ahead, maxBytes));
        try {
            zeroTo(out, written, target);
        } catch (IOException full) {
            // The zeros the disk did take are kept: forgotten, every later record asked for the whole target again
            // and rewrote them all first (about half a MiB per record, under the log's lock, while the disk is full).
            zeroedTo = Math.max(zeroedTo, out.length());
            out.seek(written);
            if (zeroedTo >= needed) {
                return;
            }
            if (target <= needed) {
                throw full;
            }
            zeroTo(out, written, needed); // a nearly full disk may still hold this record without the zeros after it
        }
    }

    private void zeroTo(RandomAccessFile out, long written, long target) throws IOException {
        out.seek(zeroedTo);
        for (long at = zeroedTo; at < target; ) {
            int n = (int) Math.min(ZEROS.length, target - at);
            out.write(ZEROS, 0, n);
            at += n;
        }
        zeroedTo = target;
        out.seek(written);
    }

    /** Cuts the zeros written ahead, so that a segment no longer current ends with its last record, at {@code written}. */
    static void cut(RandomAccessFile segment, long written) throws IOException {
        if (segment.length() > written) {
            segment.setLength(written);
        }
    }
}
