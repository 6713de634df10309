package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.audit.AuditLog;
import io.p9gate.audit.AuditWriteException;
import io.p9gate.audit.Durability;
import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.LineHeader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code show --follow} and {@code export --follow} read a running gateway's log with {@link LogTail}: a poll that
 * read the zeros ahead before the writer wrote records over them, and the next read after, skipped a line of zeros
 * and the rest of a record with a warning, and never delivered the records between: the export lost them.
 */
class LiveTailRaceTest {
    @TempDir
    Path dir;

    private final SigningKey key = TestLogs.key("test-key");

    @Test
    void recordsWrittenWhileAPollReadsAreAllDeliveredOnce() throws Exception {
        try (AuditLog log = AuditLog.open(dir, key, TestLogs.options().withCheckpointRecords(100_000))) {
            for (int i = 0; i < 20; i++) {
                log.append(TestLogs.decision(i), Durability.WRITTEN);
            }
            LogTail tail = new LogTail(dir);
            List<Long> seqs = new ArrayList<>();
            boolean[] first = {true};
            tail.poll(line -> {
                if (first[0]) {
                    first[0] = false;
                    append(log, 600);
                }
                seqs.add(LineHeader.parse(line.bytes()).map(LineHeader::seq).orElse(-1L));
                return true;
            });
            tail.poll(line ->
                    seqs.add(LineHeader.parse(line.bytes()).map(LineHeader::seq).orElse(-1L)) || true);
            List<Long> expected = new ArrayList<>();
            for (long s = 0; s < log.size(); s++) {
                expected.add(s);
            }
            assertEquals(expected, seqs, "every record once, in order (-1: a line that is none)");
        }
    }

    private static void append(AuditLog log, int records) {
        try {
            for (int i = 0; i < records; i++) {
                log.append(TestLogs.decision(100 + i), Durability.WRITTEN);
            }
        } catch (AuditWriteException e) {
            throw new IllegalStateException(e);
        }
    }
}
