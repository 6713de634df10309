package io.p9gate.audit.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The missing notes beyond those kept stay findings, with their count. */
class MissingNotesTest {
    static final int RECORDS = 25_000;

    @Test
    void beyondTheKeptOnesEachMissingNoteIsADeletionCounted() {
        MissingNotes missing = new MissingNotes();
        for (long seq = 0; seq < RECORDS; seq++) {
            missing.add(seq, seq);
        }
        assertEquals(MissingNotes.TRACKED, missing.size());
        FindingList beyond = missing.untracked(Long.MAX_VALUE);
        assertEquals(FindingList.LISTED_PER_CLASS, beyond.listed().size());
        assertEquals(
                new Finding.CheckpointDeleted(MissingNotes.TRACKED + 1),
                beyond.listed().getFirst());
        long omitted = RECORDS - MissingNotes.TRACKED - FindingList.LISTED_PER_CLASS;
        assertEquals(Map.of(FindingClass.DELETED, omitted), beyond.omitted());
        // A tamper found before all of them explains them, as it does for the kept ones.
        assertTrue(missing.untracked(MissingNotes.TRACKED).listed().isEmpty());
        assertEquals(beyond, missing.untracked(MissingNotes.TRACKED + 1));
    }
}
