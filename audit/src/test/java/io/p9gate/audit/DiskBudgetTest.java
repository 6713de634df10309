package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.SegmentReader;
import io.p9gate.audit.verify.Progress;
import io.p9gate.audit.verify.VerificationReport;
import io.p9gate.audit.verify.Verifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit disk budget (issue 8 item 6): early, logged refusal of changes, looks recorded from what is kept for
 * them, never a dropped record, never a failed log, and the directory stays within its budget.
 */
class DiskBudgetTest {
    private static final long MAX = 256 << 10;

    @TempDir
    Path dir;

    private final SigningKey key = TestLogs.key("test-key");

    @Test
    void changesAreRefusedFirstThenEverythingAndTheLogStaysWithinItsBudget() throws Exception {
        int changes = 0;
        int looks = 0;
        try (AuditLog log = AuditLog.open(dir, key, TestLogs.options().withDiskBudget(MAX, 0))) {
            changes = appendUntilRefused(i -> log.appendIntent(TestLogs.decision(i), Durability.SYNCED));
            assertTrue(log.writable(), "a budget refusal is not a failure of the log");
            assertTrue(DiskBudget.used(dir) >= MAX * 90 / 100, "changes stop close to the budget, not early");
            AuditWriteException writtenIntent = assertThrows(
                    AuditWriteException.class,
                    () -> log.appendIntent(TestLogs.decision(-1), Durability.WRITTEN),
                    "an intent that need not wait for the disk (a Twrite's) is still a change");
            assertTrue(writtenIntent.getMessage().contains("refusing changes"), writtenIntent.getMessage());
            looks = appendUntilRefused(i -> log.append(TestLogs.decision(i), Durability.SYNCED));
            assertTrue(looks > 0, "looks are still recorded after changes stop");
            assertTrue(log.writable());
            log.checkpoint(); // the log's own records always go in
        }
        assertTrue(
                DiskBudget.used(dir) <= MAX + (16 << 10),
                "within the budget (+ the log's own last records): " + DiskBudget.used(dir));
        List<String> states = new ArrayList<>();
        List<AuditRecord> records = new ArrayList<>();
        SegmentReader.forEachLine(dir, l -> {
            try {
                records.add(AuditRecord.parse(l.bytes()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        records.stream()
                .filter(r -> "log_budget".equals(r.type()))
                .forEach(r -> states.add(r.detail().substring(0, r.detail().indexOf(' '))));
        assertEquals(List.of("state=low", "state=changes_refused", "state=full"), states);
        assertEquals(
                changes + looks,
                records.stream().filter(AuditRecord::isDecision).count(),
                "every accepted request has its record");
        VerificationReport report = new Verifier(List.of(key.verifierKey()), null, Progress.NONE).verify(dir);
        assertTrue(report.ok(), report.summary());
        assertEquals(report.records(), report.anchored());
    }

    /** Appends one record numbered {@code i}. */
    @FunctionalInterface
    private interface Appender {
        void append(int i) throws AuditWriteException;
    }

    /** Appends until the budget refuses (at most 4x what fits, so that a log without a budget fails here). */
    private static int appendUntilRefused(Appender appender) {
        for (int i = 0; i < 4 * MAX / 400; i++) {
            try {
                appender.append(i);
            } catch (AuditWriteException refused) {
                assertTrue(refused.getMessage().contains("audit log disk budget"), refused.getMessage());
                return i;
            }
        }
        throw new AssertionError("never refused: no disk budget");
    }

    @Test
    void theFreeSpaceReserveIsSampledAndKeptForLooks() {
        AtomicLong usable = new AtomicLong(100L << 20);
        long reserve = 64L << 20;
        DiskBudget budget = new DiskBudget(0, reserve, 0, usable::get);
        assertEquals(DiskBudget.State.OK, budget.state());
        usable.set(70L << 20); // 6 MiB above the reserve: under 20 % of it
        budget.wrote(DiskBudget.SAMPLE_BYTES); // seen at the next sample
        assertEquals(DiskBudget.State.LOW, budget.state());
        usable.set(reserve + (2L << 20)); // under 5 %
        budget.wrote(DiskBudget.SAMPLE_BYTES);
        assertEquals(DiskBudget.State.CHANGES_REFUSED, budget.state());
        assertFalse(budget.admits(DiskBudget.Kind.CHANGE, 500));
        assertTrue(budget.admits(DiskBudget.Kind.RECORD, 500));
        usable.set(reserve + 1000);
        budget.wrote(DiskBudget.SAMPLE_BYTES); // from now on within reach of the reserve: sampled at every record
        assertFalse(budget.admits(DiskBudget.Kind.RECORD, 2000));
        assertTrue(budget.admits(DiskBudget.Kind.INTERNAL, 2000));
        assertEquals(DiskBudget.State.FULL, budget.state());
        usable.set(200L << 20); // an operator made room
        budget.wrote(DiskBudget.SAMPLE_BYTES);
        assertEquals(DiskBudget.State.OK, budget.state());
    }
}
