package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.verify.Progress;
import io.p9gate.audit.verify.VerificationReport;
import io.p9gate.audit.verify.Verifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Something put at {@link SegmentWriter#PENDING} by somebody who can write the audit directory (not the writer's own
 * successor segment): before, every rotation failed on the occupied name and each retry again, and a directory or
 * FIFO there refused the start, so the log stayed failed (every VM's every request refused) until an operator
 * removed it. It is set aside under a name of its own, kept as found, and the log says so in its own records.
 */
class StrayPendingTest {
    @TempDir
    Path dir;

    private final SigningKey key = TestLogs.key("test-key");

    private static AuditOptions smallSegments() {
        return TestLogs.options().withMaxSegmentBytes(16 * 1024).withCheckpointRecords(100_000);
    }

    private List<Path> setAside() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith(SegmentWriter.PENDING + "."))
                    .toList();
        }
    }

    private void assertVerifies() throws Exception {
        VerificationReport r = new Verifier(List.of(key.verifierKey()), null, Progress.NONE).verify(dir);
        assertTrue(r.ok(), r.summary());
    }

    @Test
    void aFilePutAtThePendingNameWhileTheLogRunsIsSetAsideAtTheNextRotationAndTheLogRecovers() throws Exception {
        Path pending = dir.resolve(SegmentWriter.PENDING);
        try (AuditLog log = AuditLog.open(dir, key, smallSegments())) {
            Files.writeString(pending, "planted\n");
            int failures = 0;
            for (int i = 0; i < 400; i++) { // ~25 KiB of records: at least one rotation
                try {
                    log.append(TestLogs.decision(i));
                } catch (AuditWriteException e) {
                    failures++;
                    assertTrue(log.recoverNow(), "the retry finds the name free: " + e.getMessage());
                }
            }
            assertEquals(1, failures, "the rotation that found the name taken failed once, and only once");
        }
        List<Path> aside = setAside();
        assertEquals(1, aside.size(), "kept beside the log: " + aside);
        assertEquals("planted\n", Files.readString(aside.getFirst(), StandardCharsets.US_ASCII));
        AuditRecord recovered = TestLogs.records(dir).stream()
                .filter(r -> "log_recovered".equals(r.type()))
                .findFirst()
                .orElseThrow();
        assertTrue(recovered.detail().contains(aside.getFirst().getFileName().toString()), recovered.detail());
        assertVerifies();
    }

    @Test
    void aDirectoryAtThePendingNameIsSetAsideAtTheStartNotRefusingIt() throws Exception {
        TestLogs.write(dir, key, smallSegments(), 3);
        Path pending = dir.resolve(SegmentWriter.PENDING);
        Files.createDirectory(pending);
        Files.writeString(pending.resolve("inside"), "kept");
        try (AuditLog log = AuditLog.open(dir, key, smallSegments())) {
            log.append(TestLogs.decision(3));
        }
        List<Path> aside = setAside();
        assertEquals(1, aside.size(), "kept beside the log: " + aside);
        assertEquals("kept", Files.readString(aside.getFirst().resolve("inside")));
        AuditRecord start = TestLogs.records(dir).stream()
                .filter(r -> "start".equals(r.type()) && r.detail().startsWith("key="))
                .toList()
                .getLast();
        assertTrue(
                start.detail().contains(" pending_set_aside=" + aside.getFirst().getFileName()), start.detail());
        assertVerifies();
    }
}
