package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.note.SigningKey;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the log says when a write fails, to an operator: serve on a 1 MiB audit disk logged {@code cannot write audit
 * checkpoint 2: java.io.IOException: No space left on device; retrying in 1000 ms} and then exited 1: a Java class
 * name, and a retry promised by a process that was stopping (the open that failed closes the log, no retry runs).
 * Now the errno's name without the class, and a failed open says nothing but its exception, which its caller reports.
 */
class OpenFailureReportTest {
    @TempDir
    Path dir;

    private final SigningKey key = TestLogs.key("test-key");
    private final AuditLogLines lines = new AuditLogLines();

    @BeforeEach
    void captureLogs() {
        lines.start();
    }

    @AfterEach
    void releaseLogs() {
        lines.stop();
    }

    private List<String> severe() {
        return lines.at(Level.SEVERE);
    }

    @Test
    void anOpenThatFailsOnAFullDiskPromisesNoRetryAndNamesTheErrnoNotAClass() {
        FailingLineWrites files = new FailingLineWrites();
        files.failing = true;
        AuditWriteException e = assertThrows(AuditWriteException.class, () -> files.open(dir, key, TestLogs.options()));
        assertTrue(e.getMessage().endsWith(": No space left on device (ENOSPC)"), e.getMessage());
        assertFalse(e.getMessage().contains("java."), e.getMessage());
        assertEquals(List.of(), severe(), "the caller reports the failed open, once");
    }

    @Test
    void aRunningLogThatFailsSaysItRetriesAndNamesTheErrnoNotAClass() throws Exception {
        FailingLineWrites files = new FailingLineWrites();
        try (AuditLog log = files.open(dir, key, TestLogs.options())) {
            files.failing = true;
            assertThrows(AuditWriteException.class, () -> log.append(TestLogs.decision(1)));
            List<String> severe = severe();
            assertEquals(1, severe.size(), severe::toString);
            assertTrue(
                    severe.getFirst().contains(": No space left on device (ENOSPC); retrying in "), severe::toString);
            assertFalse(severe.getFirst().contains("java."), severe::toString);
            files.failing = false;
            assertTrue(FailingLineWrites.recoverNow(log));
        }
    }
}
