package io.p9gate.audit;

import io.p9gate.audit.read.LineHeader;
import io.p9gate.audit.read.LogDirectory;
import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.SyncFailedException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Appends record lines to the current segment and starts a new segment (named after its first sequence number)
 * once the current one reaches the size limit. The chain simply continues across files. Every line is handed to
 * the kernel before {@link #write} returns, so a process crash loses nothing acknowledged; {@link #force} (the
 * group commit's leader) makes lines durable.
 *
 * <p><b>Descriptors.</b> A rotation needs no new file descriptor: a spare file ({@link #SPARE}) is opened ahead
 * of time and renamed into place, and the directory's descriptor is held open for its fsync. So when a guest
 * has exhausted the process's descriptors, the log still rotates; only re-arming the spare fails (and is
 * retried at the next rotation), and the descriptor of the closed segment is free for it by then.
 *
 * <p><b>Interrupts.</b> Appenders are request workers that a Tflush may interrupt, and any of them may make the
 * group commit's fsync ({@link #force}). Nothing here is interruptible: lines go through
 * {@link RandomAccessFile#write}; segments are made durable through a second descriptor, an
 * {@link AsynchronousFileChannel} ({@code fdatasync}; {@link java.io.FileDescriptor#sync()}, an {@code fsync}, at a
 * rotation and when that descriptor could not be opened), and so is the directory; a {@code FileChannel}'s
 * {@code force} would close the channel, and with it the log, when its thread is interrupted.
 */
final class SegmentWriter implements Closeable {
    /** The next segment's file, created ahead of time; not a segment name, so readers never see it. */
    static final String SPARE = "segment-next.spare";

    /**
     * Bytes of zeros written ahead of the records in the current segment. An fsync of a file that grew must also
     * commit the file system's journal (its new size), and on ext4 that commit waits for every other file's data
     * the journal orders before it: a guest's bulk writes made each intent's fsync 3x slower (median; 5-18x at the
     * 90th percentile). Records written over zeros change no size, so their fsync is the data alone. A log with
     * a byte budget zeroes at most a sixteenth of it ahead ({@link #zeroAheadFor}).
     */
    static final int ZEROED_AHEAD = 1 << 20;

    private static final byte[] ZEROS = new byte[64 * 1024];
    private static final System.Logger LOG = System.getLogger(SegmentWriter.class.getName());

    /** How the writer opens (creating if needed) a segment file; tests inject descriptor exhaustion here. */
    @FunctionalInterface
    interface SegmentFiles {
        SegmentFiles REAL = file -> new RandomAccessFile(file.toFile(), "rw");

        RandomAccessFile open(Path file) throws IOException;
    }

    private final Path dir;
    private final long maxBytes;
    private final long zeroAhead;
    private final SegmentFiles files;
    /** Not a FileChannel: an interrupt of the thread in its force would close it (AsynchronousFileChannel's does not). */
    private final AsynchronousFileChannel dirChannel;

    private final AtomicBoolean dirDirty = new AtomicBoolean();
    /** Volatile: the group commit's leader forces whichever segment is current while appenders write. */
    private volatile RandomAccessFile out;
    /**
     * The same segment as {@link #out}, for its {@code fdatasync} ({@code force(false)}): {@link RandomAccessFile}
     * offers only {@code fsync}, which must also write the inode's new mtime, a journal commit after every append
     * (exactly what the zeros ahead avoid), and a {@code FileChannel}'s force is undone by an interrupt. Null when it
     * could not be opened (no descriptor free): then {@code fsync}. Set before {@link #out} at a rotation.
     */
    private volatile AsynchronousFileChannel outSync;

    private AsynchronousFileChannel spareSync;

    private RandomAccessFile spare;
    private long written;
    /** Where the zeros written ahead in {@link #out} end (its length); never below {@link #written}. */
    private long zeroedTo;
    /** Offset and length (without newline) of the last line written whole to {@link #out}; -1 while it holds none. */
    private long lastLineOffset;

    private int lastLineLength = -1;
    /** Records handed to the kernel so far; read by {@link #force} before it picks the segment to force. */
    private volatile long records;

    /**
     * Continues {@code current} (truncated to {@code validLength}) or, when null, starts at the next record.
     * {@code records} is how many records the log already holds.
     */
    SegmentWriter(
            Path dir, long maxBytes, long zeroAhead, Path current, long validLength, long records, SegmentFiles files)
            throws IOException {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.zeroAhead = zeroAhead;
        this.files = files;
        this.records = records;
        this.dirChannel = AsynchronousFileChannel.open(dir, StandardOpenOption.READ);
        try {
            if (current != null) {
                RandomAccessFile raf = files.open(current);
                raf.setLength(validLength); // cut a torn last line and the zeros after it (see LogRecovery)
                raf.seek(validLength);
                outSync = syncChannel(current);
                out = raf;
                written = validLength;
                zeroedTo = validLength;
            }
            Files.deleteIfExists(dir.resolve(SPARE)); // left by a crash; never written to
            armSpare();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Writes record {@code seq}: {@code line[0, length)} followed by its newline, which the caller put at
     * {@code line[length]} (one write(2), no copy; see {@link CanonicalJson#endLine}).
     */
    void write(byte[] line, int length, long seq) throws IOException {
        if (line[length] != '\n') {
            throw new IllegalArgumentException("a record line ends with its newline");
        }
        if (out == null || written >= maxBytes) {
            rotate(seq);
        }
        if (written + length + 1 > zeroedTo) {
            zeroAhead(written + length + 1);
        }
        out.write(line, 0, length + 1);
        lastLineOffset = written;
        lastLineLength = length;
        written += length + 1;
        records = seq + 1;
    }

    /**
     * Makes every line written before the call durable, the directory entries of new segments included, and
     * returns how many records that is (lines written meanwhile may or may not be durable). One caller at a time
     * (the group commit's leader, any appender's thread): so nothing here may be undone by an interrupt, see the
     * class comment.
     *
     * @throws SyncFailedException an fsync failed: what was written may or may not be on disk
     */
    long force() throws SyncFailedException {
        long covered = records; // read before out: these records are in out or in segments already forced
        boolean newSegment = dirDirty.getAndSet(false);
        RandomAccessFile current = out;
        AsynchronousFileChannel sync = outSync; // read after out: current's, or a newer one (current is then synced)
        try {
            if (current != null) {
                try {
                    if (sync != null) {
                        sync.force(false);
                    } else {
                        current.getFD().sync();
                    }
                } catch (ClosedChannelException | SyncFailedException e) {
                    if (current == out) {
                        throw e;
                    } // else rotated away and closed meanwhile: rotate() fsynced it before it closed it
                }
            }
            if (newSegment) {
                dirChannel.force(true); // the new directory entry, or a crash could lose a whole segment
            }
        } catch (IOException e) {
            dirDirty.compareAndSet(false, newSegment);
            throw syncFailed(e);
        }
        return covered;
    }

    /**
     * Writes zeros from {@link #zeroedTo} to at least {@code needed}, {@link #ZEROED_AHEAD} past the records if
     * the segment's size limit leaves room. Not fsynced here: the next fsync carries the new size once. Readers
     * take a run of zeros that reaches the end of a segment as not written yet (docs/audit-format.md).
     */
    private void zeroAhead(long needed) throws IOException {
        long target = Math.max(needed, Math.min(written + zeroAhead, maxBytes));
        try {
            zeroTo(target);
        } catch (IOException full) {
            if (target <= needed) {
                throw full;
            }
            zeroTo(needed); // a nearly full disk may still hold this record without the zeros after it
        }
    }

    private void zeroTo(long target) throws IOException {
        out.seek(zeroedTo);
        for (long at = zeroedTo; at < target; ) {
            int n = (int) Math.min(ZEROS.length, target - at);
            out.write(ZEROS, 0, n);
            at += n;
        }
        zeroedTo = target;
        out.seek(written);
    }

    /** How far ahead a log zeroes its segment: {@link #ZEROED_AHEAD}, at most a sixteenth of a byte budget. */
    static long zeroAheadFor(long budgetBytes) {
        return budgetBytes > 0 ? Math.min(ZEROED_AHEAD, budgetBytes / 16) : ZEROED_AHEAD;
    }

    /** Cuts the zeros written ahead, so that a segment no longer current ends with its last record. */
    private void cutZeros(RandomAccessFile segment) throws IOException {
        if (segment.length() > written) {
            segment.setLength(written);
        }
    }

    private static SyncFailedException syncFailed(IOException e) {
        if (e instanceof SyncFailedException s) {
            return s;
        }
        SyncFailedException s = new SyncFailedException(e.getMessage());
        s.initCause(e);
        return s;
    }

    private void rotate(long firstSeq) throws IOException {
        RandomAccessFile old = out;
        if (old != null) {
            try {
                cutZeros(old);
                old.getFD().sync(); // before it stops being out: a concurrent force() may skip it after that
            } catch (IOException e) {
                throw syncFailed(e);
            }
        }
        Path next = LogDirectory.segmentFile(dir, firstSeq);
        if (Files.exists(next)) {
            throw new FileAlreadyExistsException(
                    next.toString(), null, "never append to a segment this writer did not start");
        }
        RandomAccessFile fresh;
        AsynchronousFileChannel freshSync = null;
        if (spare != null) {
            Files.move(dir.resolve(SPARE), next); // rename(2): no descriptor needed
            fresh = spare;
            freshSync = spareSync;
            spare = null;
            spareSync = null;
        } else {
            fresh = files.open(next);
            freshSync = syncChannel(next);
        }
        AsynchronousFileChannel oldSync = outSync;
        outSync = freshSync; // before out: see force()
        out = fresh;
        written = 0;
        zeroedTo = 0;
        lastLineLength = -1;
        dirDirty.set(true);
        if (old != null) {
            old.close(); // frees the descriptor the new spare takes
        }
        closeQuietly(oldSync);
        armSpare();
    }

    /** Best effort: without a spare the log still works, but its next rotation needs a free descriptor. */
    private void armSpare() {
        try {
            spare = files.open(dir.resolve(SPARE));
            spareSync = syncChannel(dir.resolve(SPARE));
        } catch (IOException e) {
            spare = null;
            SafeLog.report(
                    LOG,
                    System.Logger.Level.WARNING,
                    "audit log: cannot prepare the next segment file (" + e.getMessage()
                            + "); the next rotation needs a free file descriptor");
        }
    }

    /** A second descriptor of {@code segment} for its fdatasync, or null (then fsync) if none can be opened. */
    private static AsynchronousFileChannel syncChannel(Path segment) {
        try {
            return AsynchronousFileChannel.open(segment, StandardOpenOption.WRITE);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static void closeQuietly(AsynchronousFileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // only a descriptor of a segment closed already
            }
        }
    }

    /** Whether the next rotation can happen without opening a file. */
    boolean spareReady() {
        return spare != null;
    }

    /**
     * After a failed write: checks that the current segment still ends with the last record written whole,
     * and that this record is the one the writer's chain ends with ({@code chainHead} = H(its prev, its bytes));
     * then cuts what a short write left after it. A rotation that failed is done now. Returns the bytes cut.
     *
     * @throws IOException the file does not hold what the writer wrote: appending would break the chain
     */
    long repair(long expectedRecords, byte[] chainHead, Hashes hashes) throws IOException {
        RandomAccessFile current = out;
        if (current == null || written >= maxBytes) {
            rotate(expectedRecords); // the failure was a rotation: it must work now, or nothing can be appended
            return 0;
        }
        long length = current.length();
        if (length < written) {
            throw new LogInconsistentException(
                    "the segment is " + length + " bytes, " + written + " were written to it");
        }
        long cut = writtenAfter(current, written, length);
        if (lastLineLength >= 0) {
            byte[] stored = new byte[lastLineLength + 1];
            current.seek(lastLineOffset);
            current.readFully(stored);
            Optional<LineHeader> header = LineHeader.parse(Arrays.copyOf(stored, lastLineLength));
            boolean same = stored[lastLineLength] == '\n'
                    && header.isPresent()
                    && header.get().seq() == expectedRecords - 1
                    && MessageDigest.isEqual(hashes.chain(header.get().prev(), stored, 0, lastLineLength), chainHead);
            if (!same) {
                throw new LogInconsistentException(
                        "the last record in the segment is not the one the log's chain" + " ends with");
            }
        }
        current.setLength(written);
        current.seek(written);
        zeroedTo = written;
        return cut;
    }

    /** Bytes from {@code from} up to the last byte before {@code to} that is not a zero written ahead. */
    private static long writtenAfter(RandomAccessFile segment, long from, long to) throws IOException {
        byte[] chunk = new byte[ZEROS.length];
        long lastNonZero = from - 1;
        segment.seek(from);
        for (long at = from; at < to; ) {
            int n = (int) Math.min(chunk.length, to - at);
            segment.readFully(chunk, 0, n);
            for (int i = n - 1; i >= 0; i--) {
                if (chunk[i] != 0) {
                    lastNonZero = at + i;
                    break;
                }
            }
            at += n;
        }
        return lastNonZero + 1 - from;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        RandomAccessFile current = out;
        out = null;
        if (current != null) {
            try {
                cutZeros(current);
                current.getFD().sync();
                current.close();
            } catch (IOException e) {
                first = e;
            }
        }
        closeQuietly(outSync);
        outSync = null;
        closeQuietly(spareSync);
        spareSync = null;
        if (spare != null) {
            spare.close();
            spare = null;
            Files.deleteIfExists(dir.resolve(SPARE));
        }
        dirChannel.close();
        if (first != null) {
            throw first;
        }
    }
}
