package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.AuditLog;
import io.p9gate.audit.ManyCheckpointsLog;
import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.SigningKey;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tool that runs out of memory says so on one line and exits {@value OutOfMemory#EXIT}: never 3, which for
 * {@code audit verify} means MODIFIED, so that a script cannot read a crashed tool as a tampered log. {@code prove}
 * holds 32 bytes per record; {@value #RECORDS} records cannot fit in a heap of {@value #HEAP}, as the tools are
 * launched (without {@code -XX:+ExitOnOutOfMemoryError}, which exits 3).
 */
class OutOfMemoryExitTest {
    static final int RECORDS = 150_000;
    static final String HEAP = "8m";

    @TempDir
    Path tmp;

    @Test
    void aToolOutOfMemoryExitsWithItsOwnStatusAndOneLine() throws Exception {
        SigningKey key = TestLogs.key("ecu-a-audit");
        Path pub = tmp.resolve("audit.pub");
        KeyFiles.writeKeyPair(key, tmp.resolve("audit.key"), pub);
        Path log = tmp.resolve("log");
        try (AuditLog writer = AuditLog.open(log, key, TestLogs.options().withCheckpointRecords(8192))) {
            for (int i = 0; i < RECORDS; i++) {
                writer.append(TestLogs.decision(i));
            }
        }
        ManyCheckpointsLog.Run r =
                ManyCheckpointsLog.audit(HEAP, "prove", "5", "--log", log.toString(), "--key", pub.toString());
        assertEquals(OutOfMemory.EXIT, r.exit(), r.out());
        assertEquals(1, r.out().strip().lines().count(), r.out());
        assertTrue(r.out().startsWith("p9gate audit prove: error: out of memory ("), r.out());
    }
}
