package io.p9gate.audit;

import io.p9gate.audit.read.LogDirectory;
import io.p9gate.audit.read.StoredFile;
import io.p9gate.audit.read.StoredLine;
import io.p9gate.audit.read.WritableFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Records no note covers that the run order forbids (after a run's shutdown checkpoint, or after an open checkpoint
 * without its note: docs/audit-format.md, "Recovery at open"). No gateway wrote them, so the next run must not sign
 * them: they are moved out of the log, as stored, into a file of their own beside it (the evidence), and the writer
 * continues after the last record it can have written. Before, the next start's checkpoint covered them as if the
 * gateway had written them, and nothing told them apart afterwards.
 */
final class ForgedTail {
    private static final System.Logger LOG = System.getLogger(ForgedTail.class.getName());

    /** Names the files of set-aside records; readers of segments never take them for one. */
    static final String PREFIX = "set-aside-";

    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    /** {@code lines} lines from record {@code fromSeq} on were moved to {@code file} (a name in the log's directory). */
    record SetAside(long lines, long fromSeq, String file) {}

    /** The file system block a copy leaves unwritten when it would hold only zeros (4 KiB: ext4's, xfs's, tmpfs's). */
    private static final int BLOCK = 4096;

    private static final byte[] ZERO_BLOCK = new byte[BLOCK];

    /** Test seam: runs just before a file of the tail is opened to be copied (a test renames a FIFO over it). */
    static volatile java.util.function.Consumer<Path> beforeCopy = file -> {};

    /**
     * Test seam: where the copy learns the holes of a file of the tail; a test stands for a file system that reports
     * none (lseek SEEK_DATA finds data up to the end), where a hole reads as zeros.
     */
    static volatile java.util.function.ToLongBiFunction<StoredFile, Long> holeAt = StoredFile::holeAt;

    /**
     * Bytes the copy reads at most (test seam): holes it skips are not read, zeros read are. On a file system that
     * reports no holes (lseek SEEK_DATA finds data up to the end: exfat, NFSv3, many FUSE ones) a tail made sparse with
     * {@code truncate -s +1T} reads as a terabyte of zeros, which the copy read again after recovery's own reading. No
     * gateway wrote the tail, so a large one is an operator's to move, not the start's.
     */
    static volatile long readLimit = 1L << 30;

    /** The tail would take more than {@link #readLimit} bytes to read: nothing is copied or cut. */
    static final class TailTooLarge extends IOException {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        TailTooLarge(String message) {
            super(message);
        }
    }

    /** What the copy of one tail has read so far, against {@link #readLimit}. */
    private static final class Reading {
        private final long limit = readLimit;
        private final long seq;
        private long read;

        Reading(long seq) {
            this.seq = seq;
        }

        void take(int n, Path file) throws TailTooLarge {
            read += n;
            if (read > limit) {
                throw new TailTooLarge("the records from seq " + seq + " on, which no gateway wrote, take more than "
                        + limit + " bytes to read (up to " + file.getFileName() + "; a sparse file reads as zeros"
                        + " where the file system reports no holes): the start does not copy them and the log is"
                        + " unchanged; move " + file.getFileName() + " and the files after it out of "
                        + file.getParent() + " (keep them: they are evidence) and start again");
            }
        }
    }

    private ForgedTail() {}

    /**
     * Moves everything from {@code first} to the end of the log (the later segments, and a pending one) into a new
     * file, synced before the log is cut, and cuts the log before {@code first}.
     *
     * @param seq the sequence number {@code first} takes in the log (the records kept before it)
     */
    static SetAside setAside(Path dir, List<Path> segments, StoredLine first, long seq, Path pending)
            throws IOException {
        String name = PREFIX + String.format(Locale.ROOT, "%020d", seq) + "-" + STAMP.format(Instant.now()) + ".jsonl";
        boolean withPending = Files.exists(pending, LinkOption.NOFOLLOW_LINKS);
        if (withPending) {
            LogDirectory.requireRegularFile(pending);
        }
        List<Path> moved = segments.subList(segments.indexOf(first.segment()), segments.size());
        long lines = 0;
        Path copy = dir.resolve(name);
        Reading reading = new Reading(seq);
        try (FileChannel out = FileChannel.open(copy, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (Path s : moved) {
                lines += copy(s, s.equals(first.segment()) ? first.offset() : 0, out, reading);
            }
            if (withPending) {
                lines += copy(pending, 0, out, reading);
            }
            if (out.position() > out.size()) { // it ends in zeros left unwritten: the copy is as long as the tail
                out.write(ByteBuffer.allocate(1), out.position() - 1);
            }
            out.force(true);
        } catch (IOException e) {
            // Nothing is cut (the start is refused): a copy left cut short (a full disk) would read as evidence
            // of a set-aside that never happened, beside the whole one of the start that succeeds later.
            Files.deleteIfExists(copy);
            if (e instanceof TailTooLarge) {
                throw e;
            }
            throw new IOException(
                    "cannot set aside the records from seq " + seq + " on, which no gateway wrote, into " + copy + ": "
                            + e.getMessage() + "; the log is unchanged (make room and start again)",
                    e);
        }
        syncDirectory(dir); // the copy is on disk before anything is cut
        for (Path s : moved.subList(1, moved.size())) {
            Files.delete(s);
        }
        if (withPending) {
            Files.delete(pending);
        }
        if (first.offset() == 0) {
            Files.delete(first.segment());
        } else {
            // A file of the directory itself: through a link put there the cut truncated a file outside it.
            try (FileChannel cut = WritableFile.open(
                    first.segment(), WritableFile.Rule.OWN, fd -> FileChannel.open(fd, StandardOpenOption.WRITE))) {
                cut.truncate(first.offset());
                cut.force(true);
            }
        }
        syncDirectory(dir);
        SafeLog.report(
                LOG,
                System.Logger.Level.WARNING,
                "audit log: " + lines + " line(s) from seq " + seq + " on were not written by the gateway (nothing"
                        + " follows a run's shutdown checkpoint but the next start, nor an open checkpoint without its"
                        + " note): moved to " + dir.resolve(name) + ", not signed; the log continues without them."
                        + " Keep that file and find out who wrote to " + dir);
        return new SetAside(lines, seq, name);
    }

    /**
     * Appends {@code from} from {@code offset} on to {@code out}; how many newlines it held. A hole stays a hole in
     * the copy, and one that runs to the end is not copied (readers take it as not written yet): a sparse file of
     * terabytes copied as zeros filled the file system, and the start was refused for ever.
     */
    private static long copy(Path from, long offset, FileChannel out, Reading reading) throws IOException {
        beforeCopy.accept(from);
        long lines = 0;
        byte[] bytes = new byte[64 * 1024];
        // Checked and read through one descriptor, up to its size at the opening: a FIFO renamed over a segment
        // after recovery read it held the start in open(2), and a link to /dev/zero copied zeros to a full disk.
        try (StoredFile file = StoredFile.open(from);
                InputStream in = file.within(offset)) {
            long at = offset;
            for (int n = in.read(bytes); n > 0; n = in.read(bytes)) {
                reading.take(n, from);
                for (int i = 0; i < n; i++) {
                    if (bytes[i] == '\n') {
                        lines++;
                    }
                }
                boolean zeros = writeSparse(out, bytes, n);
                at += n;
                long hole = zeros ? holeAt.applyAsLong(file, at) : 0;
                if (hole < 0) {
                    break;
                }
                long skipped = in.skip(hole);
                out.position(out.position() + skipped); // the next write leaves the hole unwritten in the copy
                at += skipped;
            }
        }
        return lines;
    }

    /**
     * Writes {@code n} bytes at the copy's position but for each block of the copy they leave all zeros, which stays
     * a hole: holes were asked for only after a 64 KiB chunk of zeros, and a tail with one byte in every 64 KiB (one
     * block of sixteen stored) was copied into a file sixteen times the disk it took. Zeros read back as zeros. Returns
     * whether the bytes were all zeros (every block left unwritten): they were scanned once more for that before.
     */
    private static boolean writeSparse(FileChannel out, byte[] bytes, int n) throws IOException {
        boolean zeros = true;
        for (int i = 0; i < n; ) {
            long position = out.position();
            int length = (int) Math.min(n - i, BLOCK - position % BLOCK);
            if (Arrays.mismatch(bytes, i, i + length, ZERO_BLOCK, 0, length) < 0) {
                out.position(position + length);
            } else {
                zeros = false;
                ByteBuffer buffer = ByteBuffer.wrap(bytes, i, length);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
            }
            i += length;
        }
        return zeros;
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (AsynchronousFileChannel d = AsynchronousFileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
