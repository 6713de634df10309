package io.p9gate.audit.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.ManyCheckpointsLog;
import io.p9gate.audit.read.LogDirectory;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code audit verify} checks a log of any age in bounded memory. The gateway signs a checkpoint about every second
 * while records arrive and never rotates the sidecar (86,400 notes a day); the verifier kept every note's text, its
 * size and the tree and chain heads at that size, over 1 KB of heap a checkpoint, so a month-old log needed over a
 * gigabyte of heap and the CLI died with OutOfMemoryError on an ECU. Here a log of {@value #RECORDS} decisions, each
 * followed by a checkpoint record and its note, verifies in a JVM of {@value #HEAP} (it needed more than 48 MB).
 */
class VerifyMemoryTest {
    static final int RECORDS = 40_000;
    static final String HEAP = "16m";
    static final int GAPS = 400_000;
    static final int FORGED_CHECKPOINTS = 600_000;

    @TempDir
    Path tmp;

    @Test
    void aLogWithManyCheckpointsVerifiesInASmallHeap() throws Exception {
        ManyCheckpointsLog log = ManyCheckpointsLog.write(tmp, RECORDS);
        ManyCheckpointsLog.Run r = ManyCheckpointsLog.audit(
                HEAP,
                "verify",
                "--log",
                log.log().toString(),
                "--key",
                log.pub().toString());
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().startsWith("OK: "), r.out());
        assertTrue(r.out().contains("checkpoints verified"), r.out());
    }

    /**
     * A doctored log chooses how many gaps its sequence numbers have, and the verifier kept each (about 72 bytes of
     * heap for a line of 95 bytes): {@value #GAPS} lines, each skipping one number, ran it out of memory (exit 70, no
     * verdict; a log of some hundreds of MB does so in a default heap). Now the first gaps are kept, the others
     * reported at once: a verdict, DELETED, in the same small heap.
     */
    @Test
    void aLogOfManyGapsIsReportedInASmallHeap() throws Exception {
        ManyCheckpointsLog.Run r = verifyWithForgedLines(GAPS, i -> 1_000 + 2 * i, "decision");
        assertEquals(FindingClass.DELETED.exitCode(), r.exit(), r.out());
        assertTrue(r.out().contains("more, not listed"), r.out());
    }

    /**
     * Each checkpoint record whose note the sidecar lacks was kept (16 bytes, twice that while its array grew): a
     * doctored log of {@value #FORGED_CHECKPOINTS} forged checkpoint lines (about 66 MB) ran the verifier out of memory
     * in {@value #HEAP} (exit 70, no verdict), a log six times the heap in any. Now the first are kept, the others
     * counted: a verdict (the forged lines are INSERTED after a gap) in the same small heap.
     */
    @Test
    void aLogOfManyCheckpointRecordsWithoutNotesIsReportedInASmallHeap() throws Exception {
        ManyCheckpointsLog.Run r = verifyWithForgedLines(FORGED_CHECKPOINTS, i -> 1_000 + i, "checkpoint");
        assertEquals(FindingClass.DELETED.exitCode(), r.exit(), r.out());
        assertTrue(r.out().startsWith("TAMPERED: "), r.out());
        assertTrue(r.out().contains("INSERTED"), r.out());
    }

    /** Verifies, in {@value #HEAP}, a small log followed by {@code lines} forged records of {@code type}. */
    private ManyCheckpointsLog.Run verifyWithForgedLines(int lines, LongUnaryOperator seq, String type)
            throws Exception {
        ManyCheckpointsLog log = ManyCheckpointsLog.write(tmp, 10);
        List<Path> segments = LogDirectory.segments(log.log());
        String prev = "0".repeat(64);
        try (BufferedWriter w = Files.newBufferedWriter(segments.getLast(), StandardOpenOption.APPEND)) {
            for (long i = 0; i < lines; i++) {
                w.write("{\"seq\":" + seq.applyAsLong(i) + ",\"type\":\"" + type + "\",\"prev\":\"" + prev + "\"}\n");
            }
        }
        return ManyCheckpointsLog.audit(
                HEAP,
                "verify",
                "--log",
                log.log().toString(),
                "--key",
                log.pub().toString());
    }
}
