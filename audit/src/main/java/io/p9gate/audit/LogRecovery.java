package io.p9gate.audit;

import io.p9gate.audit.CheckpointStore.Entry;
import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.NoteFormatException;
import io.p9gate.audit.note.NoteSignature;
import io.p9gate.audit.note.SignedNote;
import io.p9gate.audit.read.LineHeader;
import io.p9gate.audit.read.LogDirectory;
import io.p9gate.audit.read.RunMark;
import io.p9gate.audit.read.RunTurn;
import io.p9gate.audit.read.SegmentReader;
import io.p9gate.audit.read.StoredFile;
import io.p9gate.audit.read.StoredLine;
import io.p9gate.audit.read.WritableFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Rebuilds the writer's state from an existing directory: tree frontier, chain head, where to continue writing.
 * It checks only what appending needs (sequence, chain, agreement with the last checkpoint); full verification,
 * signatures included, is the verifier's job.
 */
final class LogRecovery {
    private static final System.Logger LOG = System.getLogger(LogRecovery.class.getName());

    /**
     * @param tornBytes      record data in an unterminated last line (a write cut short by a crash), to be cut
     *                       off: {@link StoredLine#dataBytes}
     * @param lastCheckpoint the last checkpoint in the sidecar, or null
     * @param lastSigner     the first signature of that checkpoint, or null
     * @param unsigned       the heads of the checkpoint records after the last note, in log order: captured
     *                       before a crash whose notes were never written
     * @param setAside       the records the run order forbids after the last note, moved out of the log, or null
     */
    record State(
            long size,
            MerkleFrontier tree,
            byte[] chainHead,
            Path lastSegment,
            long lastSegmentLength,
            long tornBytes,
            Checkpoint lastCheckpoint,
            NoteSignature lastSigner,
            List<UnsignedHead> unsigned,
            ForgedTail.SetAside setAside,
            String pendingSetAside) {
        /** How many records the last checkpoint in the sidecar signed: 0 without one. */
        long signedSize() {
            return lastCheckpoint == null ? 0 : lastCheckpoint.size();
        }
    }

    /** The tree and chain head at a checkpoint record that has no note: what its note would have signed. */
    record UnsignedHead(long size, byte[] root, byte[] chainHead) {}

    private final Hashes hashes = new Hashes();
    private final HashChain chain = new HashChain(hashes);
    private final MerkleFrontier tree = new MerkleFrontier();
    private byte[] chainHead = Hashes.GENESIS;
    private byte[] rootAtCheckpoint;
    private byte[] chainAtCheckpoint;
    private long tornBytes;
    private long lastLength;
    private final List<UnsignedHead> unsigned = new ArrayList<>();
    private String problem;
    /** What the writer may append next, and whether a record no note covers yet opened a run. */
    private RunTurn turn = RunTurn.ANY;

    private boolean openedUnsigned;
    /** The first record the run order forbids after the last note, or null; nothing after it is read. */
    private StoredLine forged;
    /** The segment of the last record kept, and where that record ends. */
    private Path keptSegment;

    private long keptLength;

    /** Test seam: runs just before the pending segment's first line is read (a test renames a FIFO over it). */
    static volatile java.util.function.Consumer<Path> beforeReadPending = pending -> {};

    private final SegmentWriter.SegmentFiles files;

    private LogRecovery(SegmentWriter.SegmentFiles files) {
        this.files = files;
    }

    static State recover(Path dir) throws IOException {
        return recover(dir, SegmentWriter.SegmentFiles.REAL);
    }

    static State recover(Path dir, SegmentWriter.SegmentFiles files) throws IOException {
        return new LogRecovery(files).run(dir);
    }

    private State run(Path dir) throws IOException {
        Files.createDirectories(dir);
        SignedNote lastNote = lastNote(dir);
        Checkpoint last = lastNote == null ? null : parseCheckpoint(lastNote);
        List<Path> segments = LogDirectory.segments(dir);
        SegmentReader.forEachLine(segments, line -> accept(line, segments, last));
        if (problem != null) {
            throw new LogInconsistentException(problem);
        }
        Path pending = dir.resolve(SegmentWriter.PENDING);
        // Never the writer's: it writes its successor as a regular file. Read, a FIFO or device held the start;
        // refused, it kept the log from starting until an operator came.
        String pendingSetAside =
                StrayPending.present(pending) && !Files.isRegularFile(pending, LinkOption.NOFOLLOW_LINKS)
                        ? StrayPending.setAside(pending, StrayPending.PLANTED)
                        : null;
        if (forged != null) {
            ForgedTail.SetAside aside = ForgedTail.setAside(dir, segments, forged, tree.size(), pending);
            if (last != null) {
                checkAgainst(last);
            }
            return new State(
                    tree.size(),
                    tree,
                    chainHead,
                    keptSegment,
                    keptLength,
                    0,
                    last,
                    lastNote == null ? null : lastNote.signatures().getFirst(),
                    List.copyOf(unsigned),
                    aside,
                    pendingSetAside);
        }
        if (Files.exists(pending, LinkOption.NOFOLLOW_LINKS)) {
            if (adopt(dir, pending, segments)) {
                return new LogRecovery(files).run(dir);
            }
            if (holdsData(pending)) {
                // Kept as found: a crash's leftover holds records the gateway wrote (never reported durable, still
                // evidence), and a file someone put there is theirs. Before, either was deleted.
                pendingSetAside = StrayPending.setAside(
                        pending,
                        "does not continue the log's " + tree.size() + " records (a crash lost the end of the"
                                + " segment before it, or someone put it there)");
            } else { // a crash right after a rotation: empty, or the zeros written ahead of its first record
                SafeLog.report(
                        LOG,
                        System.Logger.Level.WARNING,
                        "audit log: deleting " + pending + ": it holds no record (a crash right after a rotation)");
                Files.delete(pending);
            }
        }
        if (last != null) {
            checkAgainst(last);
        }
        Path lastSegment = segments.isEmpty() ? null : segments.getLast();
        return new State(
                tree.size(),
                tree,
                chainHead,
                lastSegment,
                lastLength,
                tornBytes,
                last,
                lastNote == null ? null : lastNote.signatures().getFirst(),
                List.copyOf(unsigned),
                null,
                pendingSetAside);
    }

    private void accept(StoredLine line, List<Path> segments, Checkpoint last) {
        if (problem != null || forged != null) {
            return;
        }
        boolean inLastSegment = line.segment().equals(segments.getLast());
        if (!line.terminated()) {
            if (inLastSegment) {
                tornBytes = line.dataBytes();
            } else {
                problem = "segment " + line.segment().getFileName() + " ends in the middle of a record";
            }
            return;
        }
        Optional<LineHeader> header = LineHeader.parse(line.bytes());
        if (header.isEmpty()
                || header.get().seq() != tree.size()
                || !MessageDigest.isEqual(header.get().prev(), chainHead)) {
            problem = "record " + tree.size() + " (" + line.segment().getFileName() + " offset " + line.offset()
                    + ") does not continue the log";
            return;
        }
        if (!inRunOrder(header.get(), last == null || tree.size() >= last.size())) {
            forged = line;
            return;
        }
        keptSegment = line.segment();
        keptLength = line.offset() + line.length() + 1;
        byte[] bytes = line.bytes();
        byte[] leaf = hashes.leaf(bytes, 0, bytes.length);
        tree.append(leaf);
        chainHead = chain.next(chainHead, bytes, 0, bytes.length, leaf, header.get());
        if (header.get().isCheckpoint() && (last == null || tree.size() > last.size())) {
            unsigned.add(new UnsignedHead(tree.size(), tree.root(), chainHead));
        }
        if (inLastSegment) {
            lastLength = line.offset() + bytes.length + 1;
        }
        if (last != null && tree.size() == last.size()) {
            rootAtCheckpoint = tree.root();
            chainAtCheckpoint = chainHead;
        }
    }

    /**
     * Whether the writer can have appended {@code h} here. Records a note covers were signed and are the verifier's
     * to judge; among those no note covers yet (unsigned) nothing follows a run's shutdown checkpoint but the next
     * run's start, a run opens with its start, a key change and its open checkpoint, and nothing follows an open
     * checkpoint without its note (the writer awaits that note before it appends anything else). Before, a record
     * forged after a clean shutdown was signed by the next start as if the gateway had written it.
     */
    private boolean inRunOrder(LineHeader h, boolean unsignedYet) {
        boolean admitted = turn.admits(h);
        turn = RunTurn.after(admitted ? turn : RunTurn.ANY, h);
        if (!unsignedYet) {
            return true;
        }
        if (openedUnsigned || !admitted) {
            return false;
        }
        openedUnsigned = h.mark() == RunMark.OPEN_CHECKPOINT;
        return true;
    }

    /**
     * A crash hit between a rotation and its seal ({@link SegmentWriter}, "Rotation"): the next segment's records
     * are at {@link SegmentWriter#PENDING}. When they continue the log (its last segment is whole and their first
     * record is the next one, chained to it: a process crash, the page cache kept everything), the file gets its
     * segment name; otherwise (a power loss took the unsynced end of its predecessor, or it is not the writer's) it is
     * set aside by the caller: none of its records was reported durable, since a group commit seals the predecessor
     * before it counts them. Adopting it
     * first fsyncs the predecessor (the seal's fsync, which the crash may have prevented).
     */
    private boolean adopt(Path dir, Path pending, List<Path> segments) throws IOException {
        LogDirectory.requireRegularFile(pending); // a FIFO there held the start in open(2) for ever
        long first = tree.size();
        boolean continues = !segments.isEmpty() && tornBytes == 0 && firstLineContinues(pending);
        if (continues) {
            // Its predecessor's end may be only in the page cache (the process died before its seal): make it
            // whole on disk before its successor is named, as the seal would have. The writer continues the
            // successor and fsyncs only that one from now on.
            Path predecessor = segments.getLast();
            files.recoverySync(predecessor);
            // Through a checked descriptor (a link to an archive is read as readers do): a FIFO renamed over it
            // held the start in open(2).
            try (RandomAccessFile f = WritableFile.open(
                    predecessor, WritableFile.Rule.LINKED, fd -> new RandomAccessFile(fd.toFile(), "r"))) {
                f.getFD().sync();
            }
            Files.move(pending, LogDirectory.segmentFile(dir, first));
            try (AsynchronousFileChannel d = AsynchronousFileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
            return true;
        }
        return false;
    }

    /**
     * The largest pending segment that can hold no record: the writer zeroes its successor only as it writes the first
     * lines there ({@link ZerosAhead#ZEROED_AHEAD} ahead, or up to the end of that first write: a buffer of held
     * lines and a line of the longest kind), and a crash can come between the zeros and the lines.
     */
    private static final long NO_RECORD_MAX_BYTES =
            Math.max(ZerosAhead.ZEROED_AHEAD, HeldLines.HELD_BYTES + SegmentReader.MAX_LINE_BYTES + 1L);

    /**
     * Whether {@code pending} may hold data: a byte that is not zero (a reader finds a line, whole or torn, in it),
     * or more bytes than a pending segment without a record has ({@link #NO_RECORD_MAX_BYTES}), which is not read:
     * read to its end, a planted file of terabytes with a byte in every MiB (sparse, no hole long enough for the
     * readers to skip) held the start for hours. Either way it is kept, which is the safe side.
     */
    private static boolean holdsData(Path pending) throws IOException {
        boolean[] found = {false};
        try (StoredFile file = StoredFile.open(pending)) {
            if (file.size() > NO_RECORD_MAX_BYTES) {
                return true;
            }
            SegmentReader.readLinesWhile(pending, file, 0, line -> {
                found[0] = true;
                return false;
            });
        }
        return found[0];
    }

    private boolean firstLineContinues(Path pending) throws IOException {
        byte[] head = new byte[SegmentReader.MAX_LINE_BYTES + 1];
        int n;
        beforeReadPending.accept(pending);
        // Checked and read through one descriptor: a FIFO renamed over it after adopt's check held the start.
        try (StoredFile file = StoredFile.open(pending);
                InputStream in = file.within(0)) {
            n = in.readNBytes(head, 0, head.length);
        }
        for (int i = 0; i < n; i++) {
            if (head[i] == '\n') {
                Optional<LineHeader> header = LineHeader.parse(Arrays.copyOf(head, i));
                return header.isPresent()
                        && header.get().seq() == tree.size()
                        && MessageDigest.isEqual(header.get().prev(), chainHead);
            }
        }
        return false;
    }

    private void checkAgainst(Checkpoint last) throws LogInconsistentException {
        if (last.size() > tree.size()) {
            throw new LogInconsistentException(
                    "the last checkpoint covers " + last.size() + " records but only " + tree.size() + " are stored");
        }
        if (last.size() > 0
                && (!MessageDigest.isEqual(rootAtCheckpoint, last.root())
                        || !MessageDigest.isEqual(chainAtCheckpoint, last.chainHead()))) {
            throw new LogInconsistentException(
                    "the stored records do not match the last checkpoint (size " + last.size() + ")");
        }
    }

    /** The last note; only the sidecar's end is read (it grows for the log's whole life). */
    private static SignedNote lastNote(Path dir) throws IOException {
        Optional<Entry> last = CheckpointStore.readLast(dir);
        if (last.isEmpty()) {
            return null;
        }
        Entry e = last.get();
        if (e.noteText() == null) {
            throw new LogInconsistentException("checkpoints.jsonl, last line: " + e.problem());
        }
        try {
            return SignedNote.parse(e.noteText());
        } catch (NoteFormatException ex) {
            throw new LogInconsistentException("checkpoints.jsonl, last line: " + ex.getMessage());
        }
    }

    private static Checkpoint parseCheckpoint(SignedNote note) throws LogInconsistentException {
        try {
            return Checkpoint.parse(note.body());
        } catch (NoteFormatException e) {
            throw new LogInconsistentException("last checkpoint: " + e.getMessage());
        }
    }
}
