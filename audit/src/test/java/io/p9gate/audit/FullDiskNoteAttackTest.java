package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.testing.ScratchMount;
import io.p9gate.audit.verify.Progress;
import io.p9gate.audit.verify.VerificationReport;
import io.p9gate.audit.verify.Verifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-AUD-4 on a full disk (a guest filling a share on the log's file system, or the records of every VM): the
 * records go over zeros written ahead, so the first write to find no room is the append of a signed note to
 * {@code checkpoints.jsonl}. That failure kept the log failed until a restart, as a failed fsync does, although
 * nothing uncertain was left (the records were durable, the note's torn line is the sidecar's own): every VM was
 * refused (EIO) for good, while a record write failing the same way is retried and comes back once room is made.
 * Now a note that cannot be written is retried too: the torn line is cut, and the notes it lost are signed again
 * with the recovery's, so the log verifies without a gap and every checkpoint record has its note.
 */
class FullDiskNoteAttackTest {
    @TempDir
    Path tmp;

    /** Before: recoverNow() false after room was made (the log stayed failed until a restart). */
    @Test
    void aNoteThatFoundNoRoomIsWrittenOnceThereIsRoom() throws Exception {
        try (ScratchMount fs = ScratchMount.tmpfs(tmp.resolve("fs"), "size=2m")) {
            Path dir = Files.createDirectory(fs.dir.resolve("log"));
            SigningKey key = TestLogs.key("full-disk");
            AuditOptions options = TestLogs.options().withCheckpointRecords(1 << 20);
            try (AuditLog log = AuditLog.open(dir, key, options)) {
                for (int i = 0; i < 10; i++) {
                    log.append(TestLogs.decision(i));
                }
                Path filler = fs.fill("filler");
                AuditWriteException failed = null;
                for (int i = 0; i < 100 && failed == null; i++) {
                    try {
                        log.checkpoint(); // a record over zeros written ahead, and a note appended to the sidecar
                    } catch (AuditWriteException e) {
                        failed = e;
                    }
                }
                assertNotNull(failed, "a full disk failed no note");
                assertTrue(!log.writable(), "refused while the note cannot be written");

                Files.delete(filler);
                assertTrue(log.recoverNow(), "back once there is room, without a restart");
                for (int i = 10; i < 20; i++) {
                    log.append(TestLogs.decision(i));
                }
                log.checkpoint();
            }
            assertVerifies(dir, key);
            try (AuditLog _ = AuditLog.open(dir, key, TestLogs.options())) {
                // a restart finds nothing to repair
            }
            assertVerifies(dir, key);
        }
    }

    private static void assertVerifies(Path dir, SigningKey key) throws IOException {
        VerificationReport report = new Verifier(List.of(key.verifierKey()), null, Progress.NONE).verify(dir);
        assertTrue(report.ok(), report.summary());
        assertEquals(report.records(), report.anchored(), report.summary());
    }
}
