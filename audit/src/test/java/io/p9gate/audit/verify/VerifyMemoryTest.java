package io.p9gate.audit.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.ManyCheckpointsLog;
import java.nio.file.Path;
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
}
