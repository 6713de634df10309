package io.p9gate.audit.cli;

import io.p9gate.audit.CheckpointStore;
import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.NoteFormatException;
import io.p9gate.audit.note.SignedNote;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a log's checkpointed part ends: records from the size of its last checkpoint on are covered by no signature
 * yet (the gateway signs within a second, or crashed first, or notes were removed), so someone with disk access could
 * have changed them and no verifier could tell. Read from the sidecar without checking signatures (show has no key):
 * whether they hold, and match the records, is {@code audit verify}'s job, and the output says so. A size beyond the
 * records stored is no boundary: one forged line would silence the marker, so it is capped and named.
 */
final class UnsignedTail {
    private UnsignedTail() {}

    /** The largest tree size a complete note in the sidecar claims; 0 when there is none. */
    static long signedSize(Path dir) throws IOException {
        long size = 0;
        try (CheckpointStore.Entries in = CheckpointStore.entries(dir)) {
            for (CheckpointStore.Entry e = in.next(); e != null; e = in.next()) {
                if (e.noteText() != null && !e.torn()) {
                    size = Math.max(size, size(e.noteText()));
                }
            }
        }
        return size;
    }

    private static long size(String noteText) {
        try {
            return Checkpoint.parse(SignedNote.parse(noteText).body()).size();
        } catch (NoteFormatException | IllegalArgumentException ignored) {
            return 0; // not a checkpoint; 'audit verify' reports it
        }
    }

    private static final String UNCHECKED = "signatures not checked here: run p9gate audit verify";

    /** Printed once, before the first record shown that no checkpoint covers. */
    static String boundary(long signed) {
        return "seq " + signed + " and later: after the last checkpoint in checkpoints.jsonl (" + UNCHECKED + ")";
    }

    /** Printed after the records, when some of those shown are not covered. */
    static String trailer(long count, long signed) {
        return records(count) + " after the last checkpoint in checkpoints.jsonl (seq " + signed + " and later; "
                + UNCHECKED + ")";
    }

    /** The same on stderr, after {@code --format json}: its standard output stays the stored lines. */
    static String jsonTrailer(long count, long signed) {
        return records(count) + " shown (seq " + signed + " and later) come after the last checkpoint in"
                + " checkpoints.jsonl (" + UNCHECKED + ")";
    }

    /**
     * When a note claims more records than the log holds: its signature cannot hold for these records (a forged
     * line, or records removed), and trusting it would leave every record unmarked.
     */
    static String claimTooLarge(long claimed, long held) {
        return "checkpoints.jsonl claims " + claimed + " records, the log holds " + held + ": run p9gate audit verify";
    }

    private static String records(long count) {
        return count + (count == 1 ? " record" : " records");
    }
}
