package io.p9gate.audit.verify;

import io.p9gate.audit.CheckpointStore;
import io.p9gate.audit.HashChain;
import io.p9gate.audit.Hashes;
import io.p9gate.audit.MerkleFrontier;
import io.p9gate.audit.note.VerifierKey;
import io.p9gate.audit.read.LineHeader;
import io.p9gate.audit.read.LogDirectory;
import io.p9gate.audit.read.RunMark;
import io.p9gate.audit.read.RunTurn;
import io.p9gate.audit.read.SegmentReader;
import io.p9gate.audit.read.StoredLine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * Offline verification of an audit directory against trusted public keys and an optional pinned checkpoint
 * (R-AUD-3). One streaming pass over the stored lines: hash every line as stored, follow the chain, classify
 * sequence numbers, and compare the tree head at every signed size. The sidecar is read alongside (its notes come
 * in size order), so memory does not grow with the log's age. Classification rules are in docs/audit-format.md
 * ("Verifier").
 */
public final class Verifier {
    /**
     * Notes read after the pass went past their size (only a doctored sidecar has them) are compared in a second
     * pass; beyond this many, one is reported instead of kept (about 250 bytes each).
     */
    static final int OUT_OF_ORDER_NOTES = 50_000;

    /**
     * What a writer appends at open before the note it awaits ({@code start}, {@code key_change}, the notes of
     * checkpoint records a crash left unsigned, the open {@code checkpoint}): a log without notes holding only
     * these may be a crash while opening, one holding anything else had notes.
     */
    private static final Set<String> OPENING_TYPES = Set.of("start", "key_change", "checkpoint");

    private final List<VerifierKey> keys;
    private final String pinText;
    private final Progress progress;

    /** @param pinText a signed checkpoint saved earlier by the reviewer, or null */
    public Verifier(List<VerifierKey> keys, String pinText, Progress progress) {
        this.keys = List.copyOf(keys);
        this.pinText = pinText;
        this.progress = progress;
    }

    public VerificationReport verify(Path dir) throws IOException {
        FindingList pinFindings = new FindingList();
        TrustedCheckpoint pin = pinText == null
                ? null
                : CheckpointStream.check(pinText, "pinned checkpoint", 0, true, keys, pinFindings);
        // Sized before the listing: a running writer's later notes cover segments the listing lacks.
        long sidecarBytes = CheckpointStore.storedBytes(dir);
        List<Path> segments = LogDirectory.segments(dir);
        long totalBytes = 0;
        for (Path s : segments) {
            totalBytes += Files.size(s);
        }
        CheckpointOutcomes outcomes = new CheckpointOutcomes();
        FindingList truncated = new FindingList();
        FindingList keyFindings = new FindingList();
        Set<VerifierKey> signers = new LinkedHashSet<>();
        KeyEras eras = new KeyEras(keys, keyFindings, (t, matches) -> anchors(t, matches, outcomes, signers));
        List<TrustedCheckpoint> late = new ArrayList<>();
        Pass pass;
        int verified;
        int total;
        FindingList sidecarFindings;
        try (CheckpointStream notes = new CheckpointStream(dir, sidecarBytes, keys);
                NoteSizes noteSizes = new NoteSizes(dir)) {
            Merge merge = new Merge(notes, pin, outcomes, late, signers);
            pass = new Pass(
                    segments.isEmpty() ? null : segments.getLast(), totalBytes, progress, merge, noteSizes, eras);
            progress.update(0, totalBytes, 0); // at once: the next update comes after thousands of records
            try {
                merge.reached(pass); // the notes of size 0
                SegmentReader.forEachLine(segments, pass::accept);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            merge.drain(pass, truncated);
            eras.finish();
            verified = notes.verified;
            total = notes.total;
            sidecarFindings = notes.findings;
            LongPredicate allSizes = noteSizes.finish();
            if (allSizes != null) {
                pass.notesMissing.removeAnnounced(allSizes);
            }
        }
        if (pin != null) {
            if (pin.size() > Math.max(pass.position, pass.seqs.end())) {
                truncated.add(
                        new Finding.Truncated(pin.size(), pass.position, pin.source(), pin.source(), 1, pass.end()));
            } else {
                outcomes.outcome(pin, pin.size() == 0 || Boolean.TRUE.equals(pass.pinMatches), null);
            }
        }
        if (!late.isEmpty()) {
            verified -= compareLate(segments, late, outcomes, keyFindings, signers);
        }
        verified -= eras.refused;

        FindingList all = new FindingList();
        all.addAll(sidecarFindings);
        all.addAll(pinFindings);
        all.addAll(pass.findings);
        all.addAll(pass.seqs.findings());
        long earliest = earliestTamper(all.listed(), pass); // before the truncations, which concern no position
        all.addAll(truncated);
        long rewritten = outcomes.judge(earliest, all);
        addKeyFindings(keyFindings, Math.min(earliest, rewritten), all);
        int unsignedCheckpoints = findDeletedNotes(pass.notesMissing, rewritten, outcomes, pass, all);
        if (total == 0 && pin == null && pass.served != null && all.listed().isEmpty()) {
            all.add(pass.served);
        }
        String newest = outcomes.newestNeedsLookup() ? noteText(dir, outcomes.anchored) : outcomes.newestText();
        return new VerificationReport(
                pass.position,
                segments.size(),
                total,
                verified,
                outcomes.anchored,
                pass.tornBytes,
                unsignedCheckpoints,
                pass.decisions,
                pass.requests,
                pin == null ? -1 : pin.size(),
                all.listed(),
                all.omitted(),
                newest,
                signers.stream().map(VerifierKey::format).toList());
    }

    /** A note that may anchor: compared, and its signers named in the report. */
    private static void anchors(
            TrustedCheckpoint t, boolean matches, CheckpointOutcomes outcomes, Set<VerifierKey> signers) {
        outcomes.outcome(t, matches, null);
        signers.addAll(t.signers());
    }

    /**
     * Compares the notes read out of order in a second pass, in size order.
     *
     * @return how many of them were refused for the key that signed them
     */
    private int compareLate(
            List<Path> segments,
            List<TrustedCheckpoint> late,
            CheckpointOutcomes outcomes,
            FindingList keyFindings,
            Set<VerifierKey> signers)
            throws IOException {
        late.sort(Comparator.comparingLong(TrustedCheckpoint::size));
        int[] next = {0};
        KeyEras eras = new KeyEras(keys, keyFindings, (t, matches) -> anchors(t, matches, outcomes, signers));
        Pass second = new Pass(
                segments.isEmpty() ? null : segments.getLast(),
                0,
                Progress.NONE,
                p -> {
                    for (; next[0] < late.size() && late.get(next[0]).size() <= p.position; next[0]++) {
                        TrustedCheckpoint t = late.get(next[0]);
                        boolean matches = t.size() == p.position && p.matches(t);
                        if (t.size() != p.position || eras.judge(t, matches)) {
                            anchors(t, matches, outcomes, signers);
                        }
                    }
                },
                null,
                eras);
        second.merge.reached(second);
        SegmentReader.forEachLine(segments, second::accept);
        eras.finish();
        for (; next[0] < late.size(); next[0]++) {
            outcomes.outcome(late.get(next[0]), false, null); // the log shrank between the passes
        }
        return eras.refused;
    }

    /**
     * The notes signed by a key that may not sign their records, but those covering records already found tampered
     * with: a record deleted, moved or rewritten there (a run's start among them) misleads which key wrote what, and
     * is the finding that explains it.
     */
    private static void addKeyFindings(FindingList keyFindings, long earliestTamper, FindingList all) {
        if (earliestTamper == Long.MAX_VALUE) {
            all.addAll(keyFindings);
            return;
        }
        for (Finding f : keyFindings.listed()) {
            if (f instanceof Finding.NotRunKey n && n.size() <= earliestTamper) {
                all.add(f);
            }
        }
    }

    /** The text of the first verified sidecar note of {@code size}, read again (it was compared out of order). */
    private String noteText(Path dir, long size) throws IOException {
        try (CheckpointStore.Entries entries = CheckpointStore.entries(dir)) {
            for (CheckpointStore.Entry e = entries.next(); e != null; e = entries.next()) {
                if (CheckpointStream.size(e) == size) {
                    TrustedCheckpoint t =
                            CheckpointStream.check(e.noteText(), "", e.line(), false, keys, new FindingList());
                    if (t != null) {
                        return t.noteText();
                    }
                }
            }
        }
        return null;
    }

    /**
     * Every checkpoint record at seq s announces a note of size s + 1. The writer signs the notes in the order
     * of their records and appenders do not wait for the signing, so a crash (or a live log) leaves the notes of
     * the last checkpoint records unwritten while records follow them: a missing note is a crash's when no
     * trusted checkpoint at or beyond its size matches the stored records, and a deletion when one does (the
     * writer signed past it, and a restart signs the notes a crash left unwritten before anything else), or when a
     * record follows an open checkpoint after it (the writer awaits that checkpoint's note, and so every note
     * before it, before it appends anything else).
     *
     * @param missing the checkpoint records whose notes are not in the sidecar
     * @param rewritten where a rewrite found by the checkpoints begins (MAX_VALUE: none), listed or not
     * @return how many notes are missing in the unanchored tail (not signed yet)
     */
    private static int findDeletedNotes(
            MissingNotes missing, long rewritten, CheckpointOutcomes outcomes, Pass pass, FindingList findings) {
        long earliestTamper = Math.min(rewritten, earliestTamper(findings.listed(), pass));
        long vouched = Math.max(Math.max(0, outcomes.largestMatching), pass.openedBefore);
        int unsigned = 0;
        for (int i = 0; i < missing.size(); i++) {
            long size = missing.seq(i) + 1;
            if (earliestTamper < size) {
                continue; // the records themselves were tampered with before it
            }
            if (missing.position(i) < vouched) {
                findings.add(new Finding.CheckpointDeleted(size));
            } else {
                unsigned++;
            }
        }
        findings.addAll(missing.untracked(earliestTamper));
        return unsigned;
    }

    private static long earliestTamper(List<Finding> findings, Pass pass) {
        return findings.stream().mapToLong(f -> tamperPosition(f, pass)).min().orElse(Long.MAX_VALUE);
    }

    /** Stored position a finding is about, or MAX_VALUE when it does not concern the record stream. */
    private static long tamperPosition(Finding f, Pass pass) {
        return switch (f) {
            case Finding.Modified m -> m.position();
            case Finding.EditedSeq e -> e.position();
            case Finding.Inserted i -> i.position();
            case Finding.OutsideRun o -> o.position();
            case Finding.Deleted d -> Math.min(d.fromSeq(), pass.position);
            case Finding.Reordered r -> Math.min(r.fromSeq(), pass.position);
            case Finding.Malformed m -> m.where().startsWith("segment") ? pass.firstMalformed : Long.MAX_VALUE;
            case Finding.CheckpointDeleted c -> Long.MAX_VALUE;
            case Finding.NotesDeleted n -> Long.MAX_VALUE;
            case Finding.Rewritten r -> r.size() - 1;
            case Finding.Truncated t -> Long.MAX_VALUE;
            case Finding.Fork k -> Long.MAX_VALUE;
            case Finding.UnknownKey u -> Long.MAX_VALUE;
            case Finding.NotRunKey n -> Long.MAX_VALUE;
            case Finding.BadSignature b -> Long.MAX_VALUE;
        };
    }

    /** What the pass does at each size it reaches: compare the notes of that size with the heads. */
    @FunctionalInterface
    private interface Reached {
        void reached(Pass pass);
    }

    /**
     * The sidecar's verified notes met with the pass: sizes normally grow note by note, so each is compared when
     * the pass reaches its size; one read after the pass went past it is kept for a second pass.
     */
    private static final class Merge implements Reached {
        private final CheckpointStream notes;
        private final TrustedCheckpoint pin;
        private final CheckpointOutcomes outcomes;
        private final List<TrustedCheckpoint> late;
        private final Set<VerifierKey> signers;

        Merge(
                CheckpointStream notes,
                TrustedCheckpoint pin,
                CheckpointOutcomes outcomes,
                List<TrustedCheckpoint> late,
                Set<VerifierKey> signers) {
            this.notes = notes;
            this.pin = pin;
            this.outcomes = outcomes;
            this.late = late;
            this.signers = signers;
        }

        @Override
        public void reached(Pass p) {
            try {
                if (pin != null && pin.size() == p.position) {
                    p.pinMatches = p.matches(pin);
                }
                for (TrustedCheckpoint t = notes.peek(); t != null && t.size() <= p.position; t = notes.peek()) {
                    compare(notes.take(), p);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private void compare(TrustedCheckpoint t, Pass p) {
            if (t.size() == p.position) {
                boolean matches = p.matches(t);
                if (p.eras.judge(t, matches)) {
                    outcomes.inOrder(t, matches);
                    signers.addAll(t.signers());
                }
            } else if (late.size() < OUT_OF_ORDER_NOTES) {
                late.add(t.withoutText());
            } else {
                notes.findings.add(new Finding.Malformed(
                        t.source(),
                        "note of size " + t.size() + " out of order (the gateway appends notes as it signs them), "
                                + "after " + OUT_OF_ORDER_NOTES + " others: not compared with the records"));
            }
        }

        /** The notes after the last size reached: beyond the log's end (or out of order). */
        void drain(Pass p, FindingList truncated) throws IOException {
            TrustedCheckpoint first = null;
            TrustedCheckpoint last = null;
            long beyond = 0;
            for (TrustedCheckpoint t = notes.take(); t != null; t = notes.take()) {
                if (t.size() <= p.position) {
                    compare(t, p);
                } else if (t.size() > Math.max(p.position, p.seqs.end())) {
                    first = first == null ? t : first;
                    last = last == null || t.size() > last.size() ? t : last;
                    beyond++;
                } else {
                    outcomes.mismatch(t); // signed, within the sequence numbers seen, but no record there
                }
            }
            if (first != null) {
                truncated.add(
                        new Finding.Truncated(last.size(), p.position, first.source(), last.source(), beyond, p.end()));
            }
        }
    }

    /** State of a pass over the stored lines. */
    private static final class Pass {
        final SeqTracker seqs = new SeqTracker();
        final FindingList findings = new FindingList();
        /** (seq, position) of the checkpoint records whose notes the sidecar lacks (a crash's tail, or deleted). */
        final MissingNotes notesMissing = new MissingNotes();

        final Reached merge;
        /** Which key may sign the notes reached, from the keys the runs read so far name. */
        final KeyEras eras;

        private final NoteSizes noteSizes;
        private final Progress progress;
        private final Path lastSegment;
        private final long totalBytes;
        private final Hashes hashes = new Hashes();
        private final HashChain rule = new HashChain(hashes);
        private final MerkleFrontier tree = new MerkleFrontier();
        private byte[] chain = Hashes.GENESIS;
        private byte[] chainBeforePrevious = null;
        private boolean previousNormal = true;
        private long previousSeq = -1;
        /**
         * Whether the record before this one linked to a predecessor in its place (or to the log's start). A link to a
         * copy slipped in or a record moved is no evidence of standing in the place of the seq due: two copies in a
         * deleted record's place read as one record with its seq edited, and the deletion went unreported.
         */
        private boolean previousLinked;

        /**
         * Whether the record before this one stood in its place: in sequence, and linked or unlinked only because its
         * own predecessor was reported altered (true at the log's start).
         */
        private boolean previousInPlace = true;

        /** The insertion the record before this one was reported as, or null. */
        private Finding previousInserted;

        private long bytesRead;
        long position;
        /** Whether the pin matched the heads at its size, when the pass reached it. */
        Boolean pinMatches;
        /** The tree head at {@link #position}, computed once however many notes compare with it. */
        private byte[] root;

        private long rootAt = -1;
        /** The line being read: its segment and 1-based line number, and the same for the line before it. */
        private Path segment;

        private long lineNumber;
        private String where = "";
        private String previousWhere = "";
        long tornBytes;
        /** The last whole line: its segment, 1-based number, and the byte offset after it. */
        private Path endSegment;

        private long endLine;
        private long endOffset;
        /** Decision records, and the requests they stand for (a summary of repeated refusals counts many). */
        long decisions;

        long requests;
        long firstMalformed = Long.MAX_VALUE;
        /**
         * Every checkpoint record stored before this position had its note once the log was written on: a record
         * followed an open checkpoint there (docs/audit-format.md, "Verifier").
         */
        long openedBefore;

        private boolean previousOpensRun;
        /** What the writer may append next: anything, or only the next step of closing or opening a run. */
        private RunTurn expected = RunTurn.ANY;
        /** The first record of a kind a writer appends only after its open checkpoint's note, or null. */
        Finding.NotesDeleted served;

        /** @param noteSizes answers which checkpoint records have notes, or null when that is not asked */
        Pass(Path lastSegment, long totalBytes, Progress progress, Reached merge, NoteSizes noteSizes, KeyEras eras) {
            this.eras = eras;
            this.lastSegment = lastSegment;
            this.totalBytes = totalBytes;
            this.progress = progress;
            this.merge = merge;
            this.noteSizes = noteSizes;
        }

        /** Where the log ends, for a truncation: after the last whole line read, and any record cut short. */
        String end() {
            return endSegment == null
                    ? "before its first record"
                    : "at " + endSegment.getFileName() + " line " + endLine + " (byte offset " + endOffset + ")"
                            + (tornBytes > 0 ? ", then " + tornBytes + " bytes of a record cut short" : "");
        }

        void accept(StoredLine line) {
            if (!line.segment().equals(segment)) {
                segment = line.segment();
                lineNumber = 0;
            }
            if (line.terminated()) {
                endSegment = segment;
                endLine = lineNumber + 1;
                endOffset = line.offset() + line.length() + 1;
            }
            lineNumber++;
            previousWhere = where;
            where = segment.getFileName() + " line " + lineNumber;
            byte[] bytes = line.bytes();
            bytesRead += line.length() + 1;
            byte[] base = chain;
            LineHeader header = null;
            if (line.oversized()) {
                // Longer than the writer ever writes (it refuses such a record), so never a torn record of a crash
                // either; only its beginning was read.
                malformed(
                        line,
                        "a line of " + line.length() + " bytes, longer than any record (at most "
                                + SegmentReader.MAX_LINE_BYTES + ")");
            } else {
                if (!line.terminated()) {
                    if (line.segment().equals(lastSegment)) {
                        // A write cut short at the very end: crash, not tampering. Its zeros are not counted:
                        // one stray byte 1 MB into the zeros ahead read as about 1 MB torn.
                        tornBytes = line.dataBytes();
                    } else {
                        malformed(line, "segment ends inside a record");
                    }
                    return;
                }
                header = LineHeader.parse(bytes).orElse(null);
                if (header == null) {
                    malformed(line, "not an audit record");
                } else {
                    base = check(header);
                }
            }
            byte[] leaf = hashes.leaf(bytes, 0, bytes.length);
            tree.append(leaf);
            chain = rule.next(base, bytes, 0, bytes.length, leaf, header);
            chainBeforePrevious = base;
            position++;
            merge.reached(this);
            if ((position & 0xfff) == 0) {
                progress.update(bytesRead, totalBytes, position);
            }
        }

        /**
         * Classifies the record and returns the chain value to continue from: after a broken link the chain
         * resynchronises on the record's own {@code prev}, so one altered record yields one finding, not one per
         * following record.
         */
        private byte[] check(LineHeader h) {
            boolean linked = MessageDigest.isEqual(h.prev(), chain);
            boolean editedBefore = !linked && previousLinked && seqEditedBefore(h);
            previousInserted = null;
            SeqTracker.Verdict verdict = seqs.accept(h.seq());
            if (!linked) {
                rule.resumeAfter(h.prev()); // a predecessor slipped in or moved here states no rule for it
            }
            // In sequence after a predecessor reported as altered: its own place is not in question.
            boolean afterAltered = editedBefore;
            switch (verdict) {
                case NORMAL -> {
                    if (editedBefore) {
                        // reported as the record before this one
                    } else if (!linked && previousNormal && h.seq() == previousSeq + 1) {
                        afterAltered = true;
                        findings.add(
                                linksToRecordBeforePrevious(h)
                                        ? new Finding.Inserted(previousSeq, position - 1, previousWhere)
                                        : new Finding.Modified(previousSeq, position - 1, previousWhere));
                    } else if (!linked && position == 0) {
                        findings.add(new Finding.Modified(h.seq(), position, where));
                    }
                }
                case DUPLICATE -> {
                    previousInserted = linksToRecordBeforePrevious(h)
                            ? new Finding.Inserted(previousSeq, position - 1, previousWhere)
                            : new Finding.Inserted(h.seq(), position, where);
                    findings.add(previousInserted);
                }
                case AHEAD, LATE -> {} // reported by the tracker as deletion or reordering
            }
            if (previousOpensRun) {
                openedBefore = position;
            }
            previousOpensRun = h.mark() == RunMark.OPEN_CHECKPOINT;
            // Only a record in its place (linked, in sequence) is judged or sets what may follow: one slipped in or
            // moved is reported as such already, and judging the records around it would report them too.
            boolean inPlace = linked && verdict == SeqTracker.Verdict.NORMAL;
            if (inPlace) {
                eras.record(h);
            }
            if (inPlace && !expected.admits(h)) {
                findings.add(new Finding.OutsideRun(h.seq(), h.type(), position, where, expected.what()));
                expected = RunTurn.ANY;
            } else {
                expected = inPlace ? RunTurn.after(expected, h) : RunTurn.ANY;
            }
            if (served == null && !OPENING_TYPES.contains(h.type())) {
                served = new Finding.NotesDeleted(h.seq(), h.type(), where);
            }
            if (h.isCheckpoint() && noteSizes != null && !hasNote(h.seq() + 1)) {
                noteMissing(h.seq());
            }
            if ("decision".equals(h.type())) {
                decisions++;
                requests += h.count();
            }
            previousNormal = verdict == SeqTracker.Verdict.NORMAL;
            previousSeq = h.seq();
            previousLinked = linked && previousInPlace;
            previousInPlace = inPlace || (afterAltered && verdict == SeqTracker.Verdict.NORMAL);
            return linked ? chain : h.prev();
        }

        /**
         * The record before {@code h} linked to its predecessor, {@code h} does not link to it and carries the seq
         * after the one due there, which the record before claimed not: only that record's seq (and with it its
         * bytes) was edited. Reported so, once, in place of the deletion of the seq due there and the reordering
         * or insertion its claimed seq read as (docs/audit-format.md, "Verifier").
         */
        private boolean seqEditedBefore(LineHeader h) {
            long due = seqs.retractEdited(h.seq());
            if (due < 0) {
                return false;
            }
            if (previousInserted != null) {
                findings.retract(previousInserted);
            }
            findings.add(new Finding.EditedSeq(due, previousSeq, position - 1, previousWhere));
            return true; // the record is then NORMAL (it follows the seq due), and check() sets previousSeq from it
        }

        /** The record skips its predecessor and links to the one before: the predecessor was slipped in. */
        private boolean linksToRecordBeforePrevious(LineHeader h) {
            return chainBeforePrevious != null && MessageDigest.isEqual(h.prev(), chainBeforePrevious);
        }

        private void malformed(StoredLine line, String problem) {
            seqs.accept(seqs.end()); // an unreadable line takes the place of the record expected there
            previousOpensRun = false;
            previousLinked = false;
            previousInPlace = false;
            expected = RunTurn.ANY;
            firstMalformed = Math.min(firstMalformed, position);
            previousNormal = false;
            findings.add(new Finding.Malformed(where + " (offset " + line.offset() + ")", problem));
        }

        private boolean hasNote(long size) {
            try {
                return noteSizes.contains(size);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * The checkpoint record at {@code seq} (here) whose note the walk has not met. Beyond the ones kept, it is
         * reported at once, never asked again: first the sidecar is read whole so that every answer is final, and
         * the kept ones are asked again (an out-of-order sidecar, all of its notes there, reported as deletions).
         */
        private void noteMissing(long seq) {
            if (notesMissing.full() && !noteSizes.answersFinal()) {
                try {
                    notesMissing.removeAnnounced(noteSizes.exactly());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                if (hasNote(seq + 1)) {
                    return;
                }
            }
            notesMissing.add(seq, position);
        }

        /** Whether the checkpoint is the heads at {@link #position}; every checkpoint of size 0 is. */
        boolean matches(TrustedCheckpoint t) {
            if (t.size() == 0) {
                return true;
            }
            if (rootAt != position) {
                root = tree.root();
                rootAt = position;
            }
            return t.size() == position
                    && MessageDigest.isEqual(root, t.checkpoint().root())
                    && MessageDigest.isEqual(chain, t.checkpoint().chainHead());
        }
    }
}
