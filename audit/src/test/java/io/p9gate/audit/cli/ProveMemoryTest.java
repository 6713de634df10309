package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.CheckpointStore;
import io.p9gate.audit.ManyCheckpointsLog;
import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.SignedNote;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code audit prove} and {@code prove --consistency} on a log of any age in bounded memory: the sidecar gains a
 * note about every second while records arrive (86,400 a day) and is never rotated, and both read every note into
 * a list (about 700 bytes of heap each) before picking one, so on a month-old log they ran out of memory. Here a
 * log of {@value #DECISIONS} decisions, each with its own note, is proved in a JVM of {@value #HEAP} (it needed
 * about 32 MB).
 */
class ProveMemoryTest {
    static final int DECISIONS = 20_000;
    static final String HEAP = "20m";

    @TempDir
    static Path tmp;

    static ManyCheckpointsLog log;
    static long firstSize;
    static long lastSize;

    @BeforeAll
    static void writeALogWithANotePerDecision() throws Exception {
        log = ManyCheckpointsLog.write(tmp, DECISIONS);
        try (CheckpointStore.Entries in = CheckpointStore.entries(log.log())) {
            for (CheckpointStore.Entry e = in.next(); e != null; e = in.next()) {
                long size =
                        Checkpoint.parse(SignedNote.parse(e.noteText()).body()).size();
                firstSize = firstSize == 0 ? size : firstSize;
                lastSize = size;
            }
        }
    }

    /** Without --key: checking 20,000 signatures would take most of the test's time, not its memory. */
    private static ManyCheckpointsLog.Run prove(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("prove"));
        all.addAll(List.of(args));
        all.addAll(List.of("--log", log.log().toString()));
        return ManyCheckpointsLog.audit(HEAP, all.toArray(String[]::new));
    }

    @Test
    void aRecordIsProvedAgainstTheNewestOfManyNotesInASmallHeap() throws Exception {
        ManyCheckpointsLog.Run r = prove("1");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("\"format\" : \"p9gate-inclusion-proof/1\""), r.out());
        assertTrue(r.out().contains("\"treeSize\" : " + lastSize + ","), r.out());
    }

    @Test
    void theFirstAndLastOfManyNotesAreProvedConsistentInASmallHeap() throws Exception {
        ManyCheckpointsLog.Run r = prove("--consistency", Long.toString(firstSize), Long.toString(lastSize));
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("\"format\" : \"p9gate-consistency-proof/1\""), r.out());
        assertTrue(r.out().contains("\"newSize\" : " + lastSize + ","), r.out());
    }

    @Test
    void aSizeNeverSignedNamesTheFirstAndLastOfManySignedSizes() {
        CliRun r = CliRun.audit(
                "prove",
                "--consistency",
                Long.toString(firstSize),
                Long.toString(lastSize + 1),
                "--log",
                log.log().toString());
        assertEquals(1, r.exit(), r.err());
        assertTrue(
                r.err()
                        .contains("no signed checkpoint of size " + (lastSize + 1)
                                + " that the stored records reproduce (signed sizes: " + firstSize + ", "
                                + (firstSize + 2) + ", " + (firstSize + 4) + ", " + (firstSize + 6) + ", …, "
                                + (lastSize - 6) + ", " + (lastSize - 4) + ", " + (lastSize - 2) + ", " + lastSize
                                + ")"),
                r.err());
    }
}
