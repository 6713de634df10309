package io.p9gate.audit.read;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** Streams the stored lines of all segments of an audit directory, in order, without re-encoding anything. */
public final class SegmentReader {
    /**
     * The longest line a reader keeps, without its newline: 16 MiB, far beyond a real record (one of 4,096 names of
     * 255 bytes, each byte escaped as {@code \\uXXXX}, is 6 MiB). The writer refuses to write a longer record (the
     * request fails with EIO), so what it writes is always read whole; a longer stored line is delivered with only
     * its first bytes ({@link StoredLine#oversized}) and is MALFORMED to the verifier.
     */
    public static final int MAX_LINE_BYTES = 16 << 20;

    /**
     * After each run of this many zero bytes the reader asks the kernel where data follows (one {@code lseek} per
     * MiB): about the zeros a writer keeps ahead, so a healthy segment asks at most once.
     */
    private static final long HOLE_CHECK_BYTES = 1 << 20;

    /** The kernel copies a file's bytes a page at a time: a read racing a write may see some pages before it. */
    private static final long PAGE = 4096;

    /** Test seam: runs just before a segment is opened, after it was listed (a test renames a FIFO over it). */
    static volatile Consumer<Path> beforeOpen = segment -> {};

    private SegmentReader() {}

    public static void forEachLine(Path dir, Consumer<StoredLine> sink) throws IOException {
        forEachLine(LogDirectory.segments(dir), sink);
    }

    public static void forEachLine(List<Path> segments, Consumer<StoredLine> sink) throws IOException {
        for (Path segment : segments) {
            try (StoredFile file = open(segment)) {
                readLinesWhile(segment, file, 0, line -> {
                    sink.accept(line);
                    return true;
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
    }

    /**
     * The segment, opened; an IOException naming it when it is no regular file (after links: an archived segment may
     * be a link to one). Only a doctored directory has such a file, and read, a FIFO blocked the reader in open(2)
     * for ever and a device such as /dev/zero fed it for ever: verify, show and the gateway's start hung. Checked
     * on the file opened, which is the one read ({@link StoredFile}): a FIFO renamed over the segment after a
     * check of its name hung them all the same.
     */
    public static StoredFile open(Path segment) throws IOException {
        beforeOpen.accept(segment);
        return StoredFile.open(segment);
    }

    /**
     * Reads the lines of {@code file}, the opened {@code segment}, from {@code offset} on and only up to the size it
     * had once opened ({@code fstat}): a link to a file of /proc, regular but of size 0, such as {@code
     * /proc/self/pagemap}, yields hundreds of gigabytes; a real segment holds its records within its size (the
     * writer's zeros ahead included), and bytes appended after the opening are the next reading's. Returns the number
     * of bytes up to and including the last newline, so that a follower can resume after the last complete line.
     * Zero bytes that run to the end are where the writer has not written yet (the current segment is zeroed ahead
     * of its records): they end the reading, as the end of the file would. Stops after the first line {@code sink}
     * answers false to (a reviewer whose output has gone away); the count then ends with that line.
     */
    public static long readLinesWhile(Path segment, StoredFile file, long offset, Predicate<StoredLine> sink)
            throws IOException {
        try (PositionedInput in = new PositionedInput(file, offset)) {
            return readLinesWhile(segment, file, offset, in, sink);
        }
    }

    private static long readLinesWhile(
            Path segment, StoredFile file, long offset, PositionedInput first, Predicate<StoredLine> sink)
            throws IOException {
        PositionedInput in = first;
        byte[] buf = new byte[512];
        int len = 0;
        // The line's stored length; only its first MAX_LINE_BYTES are kept in buf. A doctored segment can hold a
        // line of gigabytes without a newline: kept whole it ran the reader out of memory (or overflowed the
        // buffer's size at 1 GiB), so verify, show and the writer's recovery crashed instead of reporting it.
        long lineLength = 0;
        long lineStart = offset;
        long pos = offset;
        // Zeros not yet known to be stored bytes: if they run to the end, the writer put them ahead of its records
        // and has not written there yet (docs/audit-format.md); followed by anything, they are stored bytes like
        // any other, which no record can hold, unless the writer has written over them since they were read.
        long heldZeros = 0;
        ReadAgain checked = new ReadAgain();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == 0) {
                heldZeros++;
                if (heldZeros % HOLE_CHECK_BYTES == 0) {
                    long skipped = skipHole(file, pos + heldZeros, in);
                    if (skipped < 0) {
                        break; // a hole to the end: zeros to the end, not written yet
                    }
                    heldZeros += skipped;
                }
                continue;
            }
            if (heldZeros > 0 && writtenSinceRead(file, pos, pos + heldZeros, in, checked)) {
                heldZeros = 0;
                checked.page = -1; // a new read: its pages may be torn again
                in = new PositionedInput(
                        file, pos); // the old one reads the same descriptor: left to the caller's close
                continue;
            }
            if (heldZeros > 0) {
                int kept = (int) Math.min(heldZeros, MAX_LINE_BYTES - len);
                buf = roomFor(buf, len + kept);
                Arrays.fill(buf, len, len + kept, (byte) 0);
                len += kept;
                pos += heldZeros;
                lineLength += heldZeros;
                heldZeros = 0;
            }
            pos++;
            if (b == '\n') {
                boolean more = sink.test(new StoredLine(segment, lineStart, Arrays.copyOf(buf, len), true, lineLength));
                len = 0;
                lineLength = 0;
                lineStart = pos;
                if (!more) {
                    return lineStart - offset;
                }
                continue;
            }
            lineLength++;
            if (len < MAX_LINE_BYTES) {
                buf = roomFor(buf, len + 1);
                buf[len++] = (byte) b;
            }
        }
        if (lineLength > 0) {
            sink.test(new StoredLine(segment, lineStart, Arrays.copyOf(buf, len), false, lineLength));
        }
        return lineStart - offset;
    }

    /**
     * Whether the zeros read from {@code zeros} up to {@code data}, where a byte that is not zero follows them, were
     * the zeros ahead read before the writer wrote there: the live segment is read a read(2) at a time, and a read
     * after the writer went on brings its records after the zeros an earlier read got (they read as a line of
     * zeros and the rest of a record, and the records between were lost: {@code LiveSegmentReadTest}). The writer
     * writes in order, so its records now cover the zeros' first byte, which is read again. Where the zeros and the
     * byte after them may come from two moments: two reads, two pages of one (a read copies a page at a time, as a
     * write does), and one page of one read too, once per page (a read copies a page without the writer's lock, so a
     * write into it can reach the copy's later bytes and not its earlier ones); so at most one extra read per page,
     * whatever zeros a doctored segment holds.
     */
    private static boolean writtenSinceRead(
            StoredFile file, long zeros, long data, PositionedInput in, ReadAgain checked) throws IOException {
        long page = zeros / PAGE;
        if (zeros >= in.latestRead() && data / PAGE == page) {
            if (page == checked.page) {
                return false;
            }
            checked.page = page;
        }
        ByteBuffer first = ByteBuffer.allocate(1);
        return file.read(first, zeros) == 1 && first.get(0) != 0;
    }

    /** The page of the current read whose zeros were read again last; -1: none yet. */
    private static final class ReadAgain {
        long page = -1;
    }

    /**
     * Skips the hole (zeros never stored) that {@code in} is at, {@code position} of {@code file}: returns the bytes
     * skipped, or -1 when the hole runs to the end of the file. A hole in a sparse file reads as zeros, and a reader
     * that read a hole of terabytes zero by zero (a doctored segment made with {@code truncate -s 16T}) kept verify,
     * show and the gateway's start busy for hours; a hole is zeros, so it is skipped as such.
     */
    private static long skipHole(StoredFile file, long position, InputStream in) throws IOException {
        long data = file.dataFrom(position);
        if (data == StoredFile.NO_DATA) {
            return -1;
        }
        long skipped = 0;
        while (data > position + skipped) {
            long n = in.skip(data - position - skipped);
            if (n <= 0) {
                break; // the file changed under the reader: read on, byte by byte
            }
            skipped += n;
        }
        return skipped;
    }

    /** {@code buf}, or a larger copy (at least twice its size, at most MAX_LINE_BYTES) when it is shorter than needed. */
    private static byte[] roomFor(byte[] buf, int needed) {
        if (needed <= buf.length) {
            return buf;
        }
        return Arrays.copyOf(buf, (int) Math.min(MAX_LINE_BYTES, Math.max(needed, 2L * buf.length)));
    }
}
