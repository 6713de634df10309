package io.p9gate.audit.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.ManyCheckpointsLog;
import io.p9gate.audit.read.LogDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar's notes are read alongside the checkpoint records, in size order, and a checkpoint record whose note
 * that walk has not met is kept as missing until the end, where an out-of-order sidecar is answered again from every
 * size. Beyond {@link MissingNotes#TRACKED} kept, a missing note was reported at once as deleted, never answered
 * again: one signed note moved up the sidecar (every record and every note still there) made the walk miss every
 * later note, and verify said TAMPERED, "the signed checkpoint of size 20004 was deleted", for notes it then verified.
 */
class ReorderedSidecarVerifyTest {
    /** Each followed by a checkpoint record and its note: more checkpoint records than {@link MissingNotes#TRACKED}. */
    static final int DECISIONS = MissingNotes.TRACKED + 100;

    @TempDir
    Path tmp;

    @Test
    void aSidecarWithEveryNoteOutOfOrderIsNoDeletion() throws Exception {
        ManyCheckpointsLog log = ManyCheckpointsLog.write(tmp, DECISIONS);
        Path sidecar = LogDirectory.checkpointsFile(log.log());
        List<String> notes = new ArrayList<>(Files.readAllLines(sidecar));
        assertTrue(notes.size() > MissingNotes.TRACKED, "notes: " + notes.size());
        notes.add(1, notes.removeLast()); // the newest note second: all there, one out of order
        Files.write(sidecar, notes);

        ManyCheckpointsLog.Run r = ManyCheckpointsLog.audit(
                "64m",
                "verify",
                "--log",
                log.log().toString(),
                "--key",
                log.pub().toString());
        assertFalse(
                r.out().contains("DELETED"), r.out().lines().limit(5).toList().toString());
        assertEquals(0, r.exit(), r.out().lines().limit(5).toList().toString());
        assertTrue(r.out().startsWith("OK: "), r.out());
    }
}
