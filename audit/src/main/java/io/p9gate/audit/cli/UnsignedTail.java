package io.p9gate.audit.cli;

import io.p9gate.audit.CheckpointStore;
import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.NoteFormatException;
import io.p9gate.audit.note.SignedNote;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a log's signed part ends: records from the size of its last checkpoint on are covered by no signature yet
 * (the gateway signs within a second, or crashed first, or notes were removed), so someone with disk access could
 * have changed them and no verifier could tell. Read from the sidecar without checking signatures: whether they
 * hold, and match the records, is {@code audit verify}'s job.
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

    /** Printed once, before the first record shown that no signature covers. */
    static String boundary(long signed) {
        return "seq " + signed + " and later: after the last signed checkpoint, not covered by a signature";
    }

    /** Printed after the records, when some of those shown are not covered. */
    static String trailer(long count, long signed) {
        return records(count) + " after the last signed checkpoint (seq " + signed
                + " and later): not covered by a signature";
    }

    /** The same on stderr, after {@code --format json}: its standard output stays the stored lines. */
    static String jsonTrailer(long count, long signed) {
        return records(count) + " shown (seq " + signed
                + " and later) come after the last signed checkpoint: not covered by a signature";
    }

    private static String records(long count) {
        return count + (count == 1 ? " record" : " records");
    }
}
