package io.p9gate.audit;

import io.p9gate.audit.read.LineHeader;
import io.p9gate.audit.read.LogDirectory;
import io.p9gate.audit.read.WritableFile;
import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.SyncFailedException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Appends record lines to the current segment and starts a new segment (named after its first sequence number)
 * once the current one reaches the size limit. The chain simply continues across files. A line is handed to
 * the kernel before {@link #write} returns, or, {@link #hold held}, by the next {@link #writeHeld} (or write),
 * which hands every held line over in one write(2): the log's caller writes them before it acknowledges their
 * records, so a process crash loses nothing acknowledged; {@link #force} (the group commit's leader) makes lines
 * durable, those written before it.
 *
 * <p><b>Descriptors.</b> A rotation needs no new file descriptor: a spare file ({@link #SPARE}) is opened ahead
 * of time and renamed into place, and the directory's descriptor is held open for its fsync. So when a guest
 * has exhausted the process's descriptors, the log still rotates; only re-arming the spare fails (and is
 * retried at the next rotation), and the descriptor of the closed segment is free for it by then. Its second
 * descriptor is freed by the seal after the rotation ("Rotation"), which re-arms the spare with it at once.
 *
 * <p><b>Interrupts.</b> Appenders are request workers that a Tflush may interrupt, and any of them may make the
 * group commit's fsync ({@link #force}). Nothing here is interruptible: lines go through
 * {@link RandomAccessFile#write}; segments are made durable through a second descriptor, an
 * {@link AsynchronousFileChannel} ({@code fdatasync}; {@link java.io.FileDescriptor#sync()}, an {@code fsync}, at a
 * rotation and when that descriptor could not be opened), and so is the directory; a {@code FileChannel}'s
 * {@code force} would close the channel, and with it the log, when its thread is interrupted.
 *
 * <p><b>Rotation.</b> A segment that is not the last must be whole on disk before any record after it is, or
 * recovery after a power loss would find it torn in the middle of the log ({@link LogRecovery}). That fsync is not
 * made under the log's lock, where every VM's append would wait for it: {@link #write} only retires the full
 * segment (still open) and goes on writing the next one's records under a name that is no segment's
 * ({@link #PENDING}); {@link #seal}, on whichever thread comes first (the log's checkpoint thread, or a group
 * commit's {@link #force}), fsyncs the retired segment and only then renames its successor into place. A crash
 * in between leaves {@link #PENDING}, which recovery adopts when it continues the log and drops otherwise; no
 * record in it was reported durable. Only a segment that fills before the previous seal is done seals under the
 * lock.
 */
final class SegmentWriter implements Closeable {
    /** The next segment's file, created ahead of time; not a segment name, so readers never see it. */
    static final String SPARE = "segment-next.spare";

    /**
     * Where the segment after a retired one is written until {@link #seal} has made its predecessor durable; not
     * a segment name, so readers do not see its records yet, and recovery decides what becomes of it.
     */
    static final String PENDING = "segment-next.pending";

    /** The chunk {@link #dataAfter} reads a torn tail in. */
    private static final int CHUNK = 64 * 1024;

    /**
     * How the writer opens a segment file it has checked ({@link CheckedSegmentFiles#openSegment}): {@code descriptor} is
     * {@code /proc/self/fd/N} of it. Tests inject descriptor exhaustion and failing writes here.
     */
    @FunctionalInterface
    interface SegmentFiles {
        SegmentFiles REAL = descriptor -> new RandomAccessFile(descriptor.toFile(), "rw");

        /** Opens the checked segment file for writing. */
        RandomAccessFile open(Path descriptor) throws IOException;

        /** Test seam: a rotation is about to fsync the segment it closes (and may fail as that fsync would). */
        default void rotationSync() throws IOException {}

        /** Opens the checked segment's second descriptor, for its fsyncs. */
        default AsynchronousFileChannel openSync(Path descriptor) throws IOException {
            return AsynchronousFileChannel.open(descriptor, StandardOpenOption.WRITE);
        }

        /** Test seam: recovery is about to fsync {@code file} (and may fail as that fsync would). */
        default void recoverySync(Path file) throws IOException {}

        /** Test seam: {@code file} is open for writing; its second descriptor, for its fsyncs, is opened next. */
        default void betweenOpens(Path file) throws IOException {}
    }

    /**
     * A segment rotated away and not yet fsynced (through {@code sync}, or {@code file} when that could not be
     * opened; the other is null), and the name its successor, now at {@link #PENDING} (the file {@code
     * successorIdentity}), gets once it is.
     */
    private record Retired(
            RandomAccessFile file, AsynchronousFileChannel sync, Path successor, Object successorIdentity) {}

    private final Path dir;
    private final long maxBytes;
    /** The zeros written ahead of the records in {@link #out}. */
    private final ZerosAhead zeros;

    private final SegmentFiles files;
    /** Not a FileChannel: an interrupt of the thread in its force would close it (AsynchronousFileChannel's does not). */
    private final AsynchronousFileChannel dirChannel;

    private final AtomicBoolean dirDirty = new AtomicBoolean();
    /** Set under the log's lock by {@link #rotate} (before the new {@link #out}), cleared by {@link #seal}. */
    private final AtomicReference<Retired> retired = new AtomicReference<>();
    /** One {@link #seal} at a time; never held by the log's lock except when a rotation finds one unsealed. */
    private final ReentrantLock sealing = new ReentrantLock();
    /**
     * Why a seal failed, under {@link #sealing}: every later seal (so every {@link #force}) fails too, since an
     * fsync that follows a failed one may succeed without the lost pages ever reaching the disk.
     */
    private SyncFailedException sealFailed;

    /** What seals set aside at their successor's name, for the log's next checkpoint record to name. */
    private final StrayPending.SetAsideNames setAsideBySeals = new StrayPending.SetAsideNames();
    /** Volatile: the group commit's leader forces whichever segment is current while appenders write. */
    private volatile RandomAccessFile out;
    /**
     * The same segment as {@link #out}, for its {@code fdatasync} ({@code force(false)}): {@link RandomAccessFile}
     * offers only {@code fsync}, which must also write the inode's new mtime, a journal commit after every append
     * (exactly what the zeros ahead avoid), and a {@code FileChannel}'s force is undone by an interrupt. Null when it
     * could not be opened (no descriptor free): then {@code fsync}. Set before {@link #out} at a rotation.
     */
    private volatile AsynchronousFileChannel outSync;

    /** The next segment's file: a rotation takes and re-arms it, a seal re-arms it. */
    private final SpareSegment spare;

    private long written;
    /** Offset and length (without newline) of the last line written whole to {@link #out}; -1 while it holds none. */
    private long lastLineOffset;

    private int lastLineLength = -1;
    /** Records handed to the kernel so far; read by {@link #force} before it picks the segment to force. */
    private volatile long records;

    /** Lines kept for one write(2) ({@link #hold}); they follow {@link #written}. */
    private final HeldLines held = new HeldLines();

    /**
     * Continues {@code current} (truncated to {@code validLength}) or, when null, starts at the next record.
     * {@code records} is how many records the log already holds.
     */
    SegmentWriter(
            Path dir, long maxBytes, long zeroAhead, Path current, long validLength, long records, SegmentFiles files)
            throws IOException {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.zeros = new ZerosAhead(zeroAhead, maxBytes);
        this.files = files;
        this.records = records;
        this.dirChannel = AsynchronousFileChannel.open(dir, StandardOpenOption.READ);
        try {
            if (current != null) {
                CheckedSegmentFiles.Segment continued =
                        CheckedSegmentFiles.openSegment(files, current, WritableFile.Rule.OWN_OR_NEW);
                RandomAccessFile raf = continued.file();
                raf.setLength(validLength); // cut a torn last line and the zeros after it (see LogRecovery)
                raf.seek(validLength);
                outSync = continued.sync();
                out = raf;
                written = validLength;
                zeros.endAt(validLength);
            }
            spare = new SpareSegment(dir.resolve(SPARE), files);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Writes record {@code seq}: {@code line[0, length)} followed by its newline, which the caller put at
     * {@code line[length]}, together with the lines held before it (one write(2); see {@link CanonicalJson#endLine}).
     * Returns whether it started a segment after a full one: the caller then has {@link #seal} run soon, outside
     * its lock.
     */
    boolean write(byte[] line, int length, long seq) throws IOException {
        boolean rotated = hold(line, length, seq);
        try {
            writeHeld();
        } catch (IOException e) {
            if (held.upTo() == seq + 1) {
                held.dropLast(); // not chained (the caller fails it): a repair must not write it again
            }
            throw e;
        }
        return rotated;
    }

    /**
     * Keeps record {@code seq}'s line (with its newline at {@code line[length]}) for the next {@link #writeHeld}:
     * records that need only reach the kernel before the caller acknowledges them are handed over in one write(2)
     * per batch. Lines stay in order: every write writes the held lines first. A full buffer, a rotation and a
     * line longer than the buffer write what is held at once. Returns as {@link #write}.
     */
    boolean hold(byte[] line, int length, long seq) throws IOException {
        if (line[length] != '\n') {
            throw new IllegalArgumentException("a record line ends with its newline");
        }
        boolean rotated = false;
        if (out == null || written + held.bytes() >= maxBytes) {
            writeHeld(); // a segment holds only whole batches: the held lines end the one it closes
            rotated = rotate(seq);
        }
        long end = written + held.bytes() + length + 1;
        zeros.cover(out, written, end);
        if (!held.fits(length)) {
            writeHeld();
            if (!held.fits(length)) {
                out.write(line, 0, length + 1); // longer than the buffer: on its own
                lastLineOffset = written;
                lastLineLength = length;
                written += length + 1;
                records = seq + 1;
                return rotated;
            }
        }
        held.add(line, length, seq);
        return rotated;
    }

    /**
     * Hands the held lines to the kernel in one write(2). If it fails they stay held, and {@link #repair} cuts what
     * reached the file and writes them again: they are in the log's chain already.
     */
    void writeHeld() throws IOException {
        if (held.bytes() == 0) {
            return;
        }
        held.writeTo(out);
        lastLineOffset = written + held.lastOffset();
        lastLineLength = held.lastLength();
        written += held.bytes();
        records = held.upTo();
        held.clear();
    }

    /** Lines held for {@link #writeHeld}; read without the log's lock (a cheap check before taking it). */
    int heldRecords() {
        return held.records();
    }

    /**
     * Records handed to the kernel so far, every one before them too (a line is counted only once its write(2)
     * returned; a repair cuts only what follows them); read without the log's lock.
     */
    long recordsWritten() {
        return records;
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
        long covered = records; // read before out: these records are in out, the retired segment or forced ones
        RandomAccessFile current = out;
        AsynchronousFileChannel sync = outSync; // read after out: current's, or a newer one (current is then retired)
        // A segment retired before out was read (rotate() retires before it sets out) is sealed now, and with it
        // current, if it was at PENDING, gets its name; one retired since is current, forced below (its channel
        // stays open until a seal has fsynced it).
        seal();
        boolean newSegment = dirDirty.getAndSet(false);
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
                    } // else rotated away and closed meanwhile: seal() fsynced it before it closed it
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

    private static SyncFailedException syncFailed(IOException e) {
        if (e instanceof SyncFailedException s) {
            return s;
        }
        SyncFailedException s = new SyncFailedException(e.getMessage());
        s.initCause(e);
        return s;
    }

    /**
     * Starts the segment of record {@code firstSeq}. A full segment is retired, not fsynced (see the class
     * comment); returns whether one was. Under the log's lock.
     */
    private boolean rotate(long firstSeq) throws IOException {
        if (retired.get() != null) {
            seal(); // the previous segment filled before its predecessor was sealed: seal it now, under the lock
        }
        RandomAccessFile old = out;
        if (old != null) {
            try {
                ZerosAhead.cut(old, written);
            } catch (IOException e) {
                throw syncFailed(e);
            }
        }
        Path next = LogDirectory.segmentFile(dir, firstSeq);
        if (StrayPending.present(next)) {
            // No segment of this log starts there (it ends before): someone who can write the directory put it
            // there. Refused, it failed this rotation and every retry's, and the log with them, until an operator
            // came; set aside, the retry has the name (and never appends to a file this writer did not start).
            throw StrayPending.found(next, StrayPending.setAside(next, StrayPending.PLANTED));
        }
        Path at = old == null ? next : dir.resolve(PENDING); // the first segment has no predecessor to wait for
        if (old != null && StrayPending.present(at)) { // its own successor was renamed away by the seal above
            throw StrayPending.found(at, StrayPending.setAside(at, StrayPending.PLANTED));
        }
        CheckedSegmentFiles.Segment made = spare.takeAs(at);
        if (made == null) {
            made = CheckedSegmentFiles.openSegment(files, at, WritableFile.Rule.NEW);
        }
        RandomAccessFile fresh = made.file();
        AsynchronousFileChannel freshSync = made.sync();
        Object freshIdentity = made.identity();
        AsynchronousFileChannel oldSync = outSync;
        if (old != null) {
            // Before out changes: a force() that reads the new out must find the old segment retired (or sealed).
            // The fsync goes through oldSync when there is one, so old's own descriptor is free for the spare.
            retired.set(new Retired(oldSync == null ? old : null, oldSync, next, freshIdentity));
        }
        outSync = freshSync; // before out: see force()
        out = fresh;
        written = 0;
        zeros.endAt(0);
        lastLineLength = -1;
        if (old == null) {
            dirDirty.set(true);
        } else if (oldSync != null) {
            old.close(); // frees the descriptor the new spare takes (its second one: when the seal frees old's)
        }
        spare.rearm();
        return old != null;
    }

    /** {@code pending_set_aside=NAME} words, each after a space, for what seals set aside since the last call. */
    String setAsideBySealsWords() {
        return setAsideBySeals.wordsThenForget();
    }

    /** Whether a retired segment waits for {@link #seal}. */
    boolean sealPending() {
        return retired.get() != null;
    }

    /**
     * Makes the retired segment, if any, durable (fsync: its size was cut) and then gives its successor its
     * segment name; the directory is fsynced by the next {@link #force}. Any thread, one at a time; blocks while
     * another seals, so that on return every segment retired before the call is sealed. Not interruptible.
     *
     * @throws SyncFailedException the fsync or the rename failed: what is on disk is uncertain
     */
    void seal() throws SyncFailedException {
        sealing.lock();
        try {
            if (sealFailed != null) {
                throw sealFailed;
            }
            Retired r = retired.get();
            if (r == null) {
                return;
            }
            try {
                files.rotationSync();
                if (r.sync() != null) {
                    r.sync().force(true);
                } else {
                    r.file().getFD().sync();
                }
                if (StrayPending.present(r.successor())) {
                    // The rotation found the name free: someone who can write the directory put this there since.
                    // Left there, the rename failed and the log with it until a restart, whose start then read it
                    // as the log's last segment and was refused.
                    setAsideBySeals.note(StrayPending.setAside(r.successor(), StrayPending.PLANTED));
                }
                // only now: its predecessor is whole on disk
                CheckedSegmentFiles.renameOwn(dir.resolve(PENDING), r.successor(), r.successorIdentity());
            } catch (IOException e) {
                sealFailed = syncFailed(e);
                throw sealFailed;
            }
            dirDirty.set(true);
            releaseRetired();
            // What the seal freed goes to the spare at once, as a rotation's does: a guest that keeps the
            // descriptor table full would take it otherwise, and after a few rotations none could be made.
            spare.rearm();
        } finally {
            sealing.unlock();
        }
    }

    /** Closes the retired segment's descriptors and forgets it: sealed, or the log is closing after a failed seal. */
    private void releaseRetired() {
        sealing.lock();
        try {
            Retired r = retired.getAndSet(null);
            if (r == null) {
                return;
            }
            CheckedSegmentFiles.closeQuietly(r.sync());
            if (r.file() != null) {
                try {
                    r.file().close();
                } catch (IOException e) {
                    // fsynced already, or uncertain anyway: only its descriptor
                }
            }
        } finally {
            sealing.unlock();
        }
    }

    /** Whether the next rotation can happen without opening a file. */
    boolean spareReady() {
        return spare.ready();
    }

    /**
     * After a failed write: checks that the current segment still ends with the last record written whole,
     * and that this record is the one the writer's chain ends with ({@code chainHead} = H(its prev, its leaf hash):
     * it is a record of this run, chained by the leaf rule its start record stated), or, while lines are held, the
     * one the first held line follows; then cuts what a short write left after it and writes the held lines again.
     * A rotation that failed is done now. Returns the record data cut ({@link #dataAfter}).
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
        long cut = dataAfter(current, written, length);
        long lastSeq = expectedRecords - 1;
        byte[] lastChain = chainHead;
        if (held.records() > 0) {
            LineHeader first = held.firstHeader();
            lastSeq = first.seq() - 1;
            lastChain = first.prev();
        }
        if (lastLineLength >= 0) {
            byte[] stored = new byte[lastLineLength + 1];
            current.seek(lastLineOffset);
            current.readFully(stored);
            Optional<LineHeader> header = LineHeader.parse(Arrays.copyOf(stored, lastLineLength));
            boolean same = stored[lastLineLength] == '\n'
                    && header.isPresent()
                    && header.get().seq() == lastSeq
                    && MessageDigest.isEqual(
                            hashes.leafChain(header.get().prev(), hashes.leaf(stored, 0, lastLineLength)), lastChain);
            if (!same) {
                throw new LogInconsistentException(
                        "the last record in the segment is not the one the log's chain" + " ends with");
            }
        }
        current.setLength(written);
        current.seek(written);
        zeros.endAt(written);
        if (held.bytes() > 0) {
            zeros.cover(current, written, written + held.bytes()); // the held lines go over zeros again, as before
            writeHeld();
        }
        return cut;
    }

    /**
     * The record data a short write left from {@code from} to {@code to}: its bytes that are not zero, as a torn
     * line's are counted at start and by the verifier ({@code StoredLine#dataBytes}), so {@code log_recovered}'s
     * {@code torn_bytes} is the same quantity as the {@code start} record's and {@code audit verify}'s.
     */
    private static long dataAfter(RandomAccessFile segment, long from, long to) throws IOException {
        byte[] chunk = new byte[CHUNK];
        long data = 0;
        segment.seek(from);
        for (long at = from; at < to; ) {
            int n = (int) Math.min(chunk.length, to - at);
            segment.readFully(chunk, 0, n);
            for (int i = 0; i < n; i++) {
                if (chunk[i] != 0) {
                    data++;
                }
            }
            at += n;
        }
        return data;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        try {
            seal();
        } catch (IOException e) {
            first = e;
            releaseRetired(); // the failed seal kept its descriptors
        }
        RandomAccessFile current = out;
        out = null;
        if (current != null) {
            try {
                ZerosAhead.cut(current, written);
                current.getFD().sync();
                current.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        CheckedSegmentFiles.closeQuietly(outSync);
        outSync = null;
        if (spare != null) { // null when the constructor failed before it
            spare.close();
        }
        dirChannel.close();
        if (first != null) {
            throw first;
        }
    }
}
