package io.p9gate.audit.cli;

import io.p9gate.audit.CheckpointStore;
import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.NoteFormatException;
import io.p9gate.audit.note.SignedNote;
import io.p9gate.audit.note.VerifierKey;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The sidecar's notes that cover one leaf and that the stored records can reach, newest first (the largest size;
 * among equal sizes, the first in the file), restricted to one key when there is one. The sidecar gains a note about
 * every second and is never rotated, so it is read a pass at a time keeping only the next {@value #BATCH}
 * candidates: the newest normally matches the records and one pass is all it takes; only a forked or rewritten log,
 * whose newest notes do not match, costs a pass per {@value #BATCH} notes tried.
 */
final class CoveringNotes {
    static final int BATCH = 64;

    private record Candidate(long size, int line, SignedNote note) {}

    private static final Comparator<Candidate> NEWEST_FIRST =
            Comparator.comparingLong(Candidate::size).reversed().thenComparingInt(Candidate::line);

    private final Path dir;
    private final VerifierKey key;
    private final long leaf;
    private final long stored;
    private final ArrayDeque<Candidate> batch = new ArrayDeque<>();
    /** The last candidate handed out: the next pass takes only those after it. */
    private Candidate last;

    private boolean exhausted;

    /** @param key the key a note must be signed by; null: any note */
    CoveringNotes(Path dir, VerifierKey key, long leaf, long stored) {
        this.dir = dir;
        this.key = key;
        this.leaf = leaf;
        this.stored = stored;
    }

    /** The next note in newest-first order, or null after the last. */
    SignedNote next() throws IOException {
        if (batch.isEmpty() && !exhausted) {
            fill();
        }
        last = batch.poll();
        return last == null ? null : last.note();
    }

    /** One pass over the sidecar: the {@value #BATCH} newest candidates after {@link #last}. */
    private void fill() throws IOException {
        PriorityQueue<Candidate> kept = new PriorityQueue<>(NEWEST_FIRST.reversed()); // the oldest kept at the head
        try (CheckpointStore.Entries in = CheckpointStore.entries(dir)) {
            for (CheckpointStore.Entry e = in.next(); e != null; e = in.next()) {
                Candidate c = candidate(e);
                if (c != null
                        && (last == null || NEWEST_FIRST.compare(c, last) > 0)
                        && (kept.size() < BATCH || NEWEST_FIRST.compare(c, kept.peek()) < 0)
                        && trusted(c.note())) {
                    kept.add(c);
                    if (kept.size() > BATCH) {
                        kept.poll();
                    }
                }
            }
        }
        exhausted = kept.size() < BATCH;
        kept.stream().sorted(NEWEST_FIRST).forEach(batch::add);
    }

    private Candidate candidate(CheckpointStore.Entry e) {
        if (e.noteText() == null) {
            return null;
        }
        try {
            SignedNote note = SignedNote.parse(e.noteText());
            long size = Checkpoint.parse(note.body()).size();
            return size > leaf && size <= stored ? new Candidate(size, e.line(), note) : null;
        } catch (NoteFormatException ignored) {
            return null; // not a usable checkpoint; 'audit verify' reports it
        }
    }

    private boolean trusted(SignedNote note) {
        return key == null || note.trust(List.of(key)) == SignedNote.Trust.VERIFIED;
    }
}
