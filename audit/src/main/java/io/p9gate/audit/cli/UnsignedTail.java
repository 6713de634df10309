package io.p9gate.audit.cli;

import io.p9gate.audit.CheckpointStore;
import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.NoteFormatException;
import io.p9gate.audit.note.SignedNote;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a log's checkpointed part ends: records from the size of its last checkpoint on are covered by no signature
 * yet (the gateway signs within a second, or crashed first, or notes were removed), so someone with disk access could
 * have changed them and no verifier could tell. Read from the sidecar without checking signatures (show has no key):
 * whether they hold, and match the records, is {@code audit verify}'s job, and the output says so. A size beyond the
 * records stored is no boundary: one forged line would silence the marker, so it is capped and named.
 */
final class UnsignedTail {
    private UnsignedTail() {}

    /**
     * The tree size the sidecar's last note claims; 0 when there is none. Only the file's end is read: it gains a
     * note a second and is never rotated (31 million lines a year), and show must start at once. Only when the last
     * line is no checkpoint (a doctored sidecar) is it read through, for the last one that is.
     */
    static long signedSize(Path dir) throws IOException {
        Optional<CheckpointStore.Entry> last = CheckpointStore.readLast(dir);
        if (last.isEmpty()) {
            return 0;
        }
        long size = size(last.get());
        return size >= 0 ? size : lastSizeScanned(dir);
    }

    private static long lastSizeScanned(Path dir) throws IOException {
        long size = 0;
        try (CheckpointStore.Entries in = CheckpointStore.entries(dir)) {
            for (CheckpointStore.Entry e = in.next(); e != null; e = in.next()) {
                long claimed = e.torn() ? -1 : size(e);
                size = claimed >= 0 ? claimed : size;
            }
        }
        return size;
    }

    /** The size the entry's checkpoint claims, or -1 when it is none ('audit verify' reports it). */
    private static long size(CheckpointStore.Entry e) {
        if (e.noteText() == null) {
            return -1;
        }
        try {
            return Checkpoint.parse(SignedNote.parse(e.noteText()).body()).size();
        } catch (NoteFormatException | IllegalArgumentException ignored) {
            return -1;
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
