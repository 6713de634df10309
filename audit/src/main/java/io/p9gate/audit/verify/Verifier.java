package io.p9gate.audit.verify;

import io.p9gate.audit.CheckpointStore;
import io.p9gate.audit.Hashes;
import io.p9gate.audit.MerkleFrontier;
import io.p9gate.audit.note.VerifierKey;
import io.p9gate.audit.read.LineHeader;
import io.p9gate.audit.read.LogDirectory;
import io.p9gate.audit.read.SegmentReader;
import io.p9gate.audit.read.StoredLine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Offline verification of an audit directory against trusted public keys and an optional pinned checkpoint
 * (R-AUD-3). One streaming pass over the stored lines: hash every line as stored, follow the chain, classify
 * sequence numbers, and compare the tree head at every signed size. Classification rules are in
 * docs/audit-format.md ("Verifier").
 */
public final class Verifier {
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
        CheckpointSet cps = new CheckpointSet(keys);
        cps.addSidecar(CheckpointStore.readAll(dir));
        if (pinText != null) {
            cps.addPin(pinText);
        }
        List<Path> segments = LogDirectory.segments(dir);
        long totalBytes = 0;
        for (Path s : segments) {
            totalBytes += Files.size(s);
        }
        Pass pass = new Pass(cps.sizes(), segments.isEmpty() ? null : segments.getLast(), totalBytes);
        progress.update(0, totalBytes, 0); // at once: the next update comes after thousands of records
        SegmentReader.forEachLine(segments, pass::accept);

        FindingList all = new FindingList();
        all.addAll(cps.findings);
        all.addAll(pass.findings);
        all.addAll(pass.seqs.findings());
        List<Finding> findings = new ArrayList<>(all.listed()); // the first of each class: the earliest in the log
        long anchored = judgeCheckpoints(cps, pass, findings);
        int unsignedCheckpoints = findDeletedNotes(cps, pass, findings);
        int verified = (int) cps.trusted.stream().filter(t -> !t.pinned()).count();
        long pinned = cps.trusted.stream()
                .filter(TrustedCheckpoint::pinned)
                .mapToLong(TrustedCheckpoint::size)
                .findFirst()
                .orElse(-1);
        String newest = cps.trusted.stream()
                .filter(t -> !t.pinned() && t.size() == anchored)
                .map(TrustedCheckpoint::noteText)
                .findFirst()
                .orElse(null);
        return new VerificationReport(
                pass.position,
                segments.size(),
                cps.total,
                verified,
                anchored,
                pass.tornBytes,
                unsignedCheckpoints,
                pass.decisions,
                pass.requests,
                pinned,
                findings,
                all.omitted(),
                newest);
    }

    /**
     * Every checkpoint record at seq s announces a note of size s + 1. The writer signs the notes in the order
     * of their records and appenders do not wait for the signing, so a crash (or a live log) leaves the notes of
     * the last checkpoint records unwritten while records follow them: a missing note is a crash's when no
     * trusted checkpoint at or beyond its size matches the stored records, and a deletion when one does (the
     * writer signed past it, and a restart signs the notes a crash left unwritten before anything else).
     *
     * @return how many notes are missing in the unanchored tail (not signed yet)
     */
    private static int findDeletedNotes(CheckpointSet cps, Pass pass, List<Finding> findings) {
        long earliestTamper = earliestTamper(findings, pass);
        long vouched = cps.trusted.stream()
                .filter(t -> t.size() <= pass.position && pass.matches(t))
                .mapToLong(TrustedCheckpoint::size)
                .max()
                .orElse(0);
        int unsigned = 0;
        for (long[] announced : pass.checkpointRecords) {
            long size = announced[0] + 1;
            boolean explained = earliestTamper < size; // the records themselves were tampered with before it
            if (cps.noteSizes.contains(size) || explained) {
                continue;
            }
            if (announced[1] < vouched) {
                findings.add(new Finding.CheckpointDeleted(size));
            } else {
                unsigned++;
            }
        }
        return unsigned;
    }

    private static long earliestTamper(List<Finding> findings, Pass pass) {
        return findings.stream().mapToLong(f -> tamperPosition(f, pass)).min().orElse(Long.MAX_VALUE);
    }

    /** Adds truncation, fork and rewrite findings; returns how many records the verified checkpoints anchor. */
    private static long judgeCheckpoints(CheckpointSet cps, Pass pass, List<Finding> findings) {
        long earliestTamper = earliestTamper(findings, pass);
        long anchored = 0;
        List<TrustedCheckpoint> mismatched = new ArrayList<>();
        for (TrustedCheckpoint t : cps.trusted) {
            if (t.size() > Math.max(pass.position, pass.seqs.end())) {
                findings.add(new Finding.Truncated(t.size(), pass.position, t.source()));
            } else if (pass.matches(t)) {
                anchored = Math.max(anchored, t.pinned() ? 0 : t.size());
            } else {
                mismatched.add(t);
            }
        }
        long largestMatching = cps.trusted.stream()
                .filter(t -> t.size() <= pass.position && pass.matches(t))
                .mapToLong(TrustedCheckpoint::size)
                .max()
                .orElse(-1);
        mismatched.sort(java.util.Comparator.comparingLong(TrustedCheckpoint::size));
        for (TrustedCheckpoint t : mismatched) {
            if (largestMatching >= t.size()) {
                findings.add(new Finding.Fork(t.size(), t.source())); // a later head vouches for this history
            } else if (earliestTamper < t.size()) {
                continue; // already explained by a finding inside the covered range
            } else if (t.pinned()) {
                findings.add(new Finding.Fork(t.size(), t.source()));
            } else {
                findings.add(new Finding.Rewritten(t.size())); // the first one explains all later heads
                earliestTamper = t.size() - 1;
            }
        }
        return anchored;
    }

    /** Stored position a finding is about, or MAX_VALUE when it does not concern the record stream. */
    private static long tamperPosition(Finding f, Pass pass) {
        return switch (f) {
            case Finding.Modified m -> m.position();
            case Finding.Inserted i -> i.position();
            case Finding.Deleted d -> Math.min(d.fromSeq(), pass.position);
            case Finding.Reordered r -> Math.min(r.fromSeq(), pass.position);
            case Finding.Malformed m -> m.where().startsWith("segment") ? pass.firstMalformed : Long.MAX_VALUE;
            case Finding.CheckpointDeleted c -> Long.MAX_VALUE;
            case Finding.Rewritten r -> r.size() - 1;
            case Finding.Truncated t -> Long.MAX_VALUE;
            case Finding.Fork k -> Long.MAX_VALUE;
            case Finding.UnknownKey u -> Long.MAX_VALUE;
            case Finding.BadSignature b -> Long.MAX_VALUE;
        };
    }

    /** State of the single pass over the stored lines. */
    private final class Pass {
        final SeqTracker seqs = new SeqTracker();
        final FindingList findings = new FindingList();
        /** (seq, position) of every checkpoint record: each announces a note of size seq + 1. */
        final List<long[]> checkpointRecords = new ArrayList<>();

        final Map<Long, byte[][]> headsAt = new HashMap<>();
        private final Set<Long> wantedSizes;
        private final Path lastSegment;
        private final long totalBytes;
        private final Hashes hashes = new Hashes();
        private final MerkleFrontier tree = new MerkleFrontier();
        private byte[] chain = Hashes.GENESIS;
        private byte[] chainBeforePrevious = null;
        private boolean previousNormal = true;
        private long previousSeq = -1;
        private long bytesRead;
        long position;
        /** The line being read: its segment and 1-based line number, and the same for the line before it. */
        private Path segment;

        private long lineNumber;
        private String where = "";
        private String previousWhere = "";
        long tornBytes;
        /** Decision records, and the requests they stand for (a summary of repeated refusals counts many). */
        long decisions;

        long requests;
        long firstMalformed = Long.MAX_VALUE;

        Pass(Set<Long> wantedSizes, Path lastSegment, long totalBytes) {
            this.wantedSizes = wantedSizes;
            this.lastSegment = lastSegment;
            this.totalBytes = totalBytes;
        }

        void accept(StoredLine line) {
            if (!line.segment().equals(segment)) {
                segment = line.segment();
                lineNumber = 0;
            }
            lineNumber++;
            previousWhere = where;
            where = segment.getFileName() + " line " + lineNumber;
            byte[] bytes = line.bytes();
            bytesRead += line.length() + 1;
            byte[] base = chain;
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
                        tornBytes = bytes.length; // a write cut short at the very end: crash, not tampering
                    } else {
                        malformed(line, "segment ends inside a record");
                    }
                    return;
                }
                Optional<LineHeader> header = LineHeader.parse(bytes);
                if (header.isEmpty()) {
                    malformed(line, "not an audit record");
                } else {
                    base = check(header.get());
                }
            }
            tree.append(hashes.leaf(bytes, 0, bytes.length));
            chain = hashes.chain(base, bytes, 0, bytes.length);
            chainBeforePrevious = base;
            position++;
            if (wantedSizes.contains(position)) {
                headsAt.put(position, new byte[][] {tree.root(), chain});
            }
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
            SeqTracker.Verdict verdict = seqs.accept(h.seq());
            boolean linked = MessageDigest.isEqual(h.prev(), chain);
            switch (verdict) {
                case NORMAL -> {
                    if (!linked && previousNormal && h.seq() == previousSeq + 1) {
                        findings.add(
                                linksToRecordBeforePrevious(h)
                                        ? new Finding.Inserted(previousSeq, position - 1, previousWhere)
                                        : new Finding.Modified(previousSeq, position - 1, previousWhere));
                    } else if (!linked && position == 0) {
                        findings.add(new Finding.Modified(h.seq(), position, where));
                    }
                }
                case DUPLICATE ->
                    findings.add(
                            linksToRecordBeforePrevious(h)
                                    ? new Finding.Inserted(previousSeq, position - 1, previousWhere)
                                    : new Finding.Inserted(h.seq(), position, where));
                case AHEAD, LATE -> {} // reported by the tracker as deletion or reordering
            }
            if (h.isCheckpoint()) {
                checkpointRecords.add(new long[] {h.seq(), position});
            }
            if ("decision".equals(h.type())) {
                decisions++;
                requests += h.count();
            }
            previousNormal = verdict == SeqTracker.Verdict.NORMAL;
            previousSeq = h.seq();
            return linked ? chain : h.prev();
        }

        /** The record skips its predecessor and links to the one before: the predecessor was slipped in. */
        private boolean linksToRecordBeforePrevious(LineHeader h) {
            return chainBeforePrevious != null && MessageDigest.isEqual(h.prev(), chainBeforePrevious);
        }

        private void malformed(StoredLine line, String problem) {
            seqs.accept(seqs.end()); // an unreadable line takes the place of the record expected there
            firstMalformed = Math.min(firstMalformed, position);
            previousNormal = false;
            findings.add(new Finding.Malformed(where + " (offset " + line.offset() + ")", problem));
        }

        boolean matches(TrustedCheckpoint t) {
            byte[][] heads = headsAt.get(t.size());
            if (t.size() == 0) {
                return true;
            }
            return heads != null
                    && MessageDigest.isEqual(heads[0], t.checkpoint().root())
                    && MessageDigest.isEqual(heads[1], t.checkpoint().chainHead());
        }
    }
}
