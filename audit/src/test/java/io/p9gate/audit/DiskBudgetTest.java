package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /** The number after {@code " name="} in a budget message. */
    private static long numberIn(String message, String name) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile(" " + name + "=(\\d+)").matcher(message);
        assertTrue(m.find(), name + " in " + message);
        return Long.parseLong(m.group(1));
    }

    /**
     * A log of two VMs within {@link #MAX}. No checkpoints while a test floods it: their notes come from the signing
     * thread at times of its own, so how much of the zone they take varies run to run (CI saw 2.7 to 10 KiB), and is
     * no VM's share.
     */
    private AuditLog twoVmLog() throws Exception {
        return AuditLog.open(
                dir,
                key,
                TestLogs.options()
                        .withCheckpointRecords(1 << 20)
                        .withDiskBudget(MAX, 0)
                        .withBudgetVms(2));
    }

    @Test
    void aVmThatFloodsTheLogWithLooksUsesOnlyItsShareAndTheOtherVmsChangesGoOn() throws Exception {
        int quietChanges = 0;
        try (AuditLog log = twoVmLog()) {
            log.append(TestLogs.decision(1), Durability.WRITTEN); // vm-b, the quiet one, has been seen
            AuditWriteException refused = null;
            int looks = 0;
            while (refused == null && looks < 4 * MAX / 400) {
                try {
                    log.append(as("vm-flood", TestLogs.decision(2 * looks)), Durability.WRITTEN);
                    looks++;
                } catch (AuditWriteException e) {
                    refused = e;
                }
            }
            assertTrue(refused != null, "the flood of looks was never refused");
            assertTrue(refused.getMessage().contains("VM vm-flood"), refused.getMessage());
            // Its share is half the last 20 %: it stops when that is used up, one record short at most, with the
            // other half left (less the log's own budget record) for the quiet VM.
            long used = numberIn(refused.getMessage(), "vm_used");
            long share = numberIn(refused.getMessage(), "vm_share");
            assertEquals(MAX / 10, share, refused.getMessage());
            assertTrue(used <= share && used > share - 1024, "the flood stops at its share: " + refused.getMessage());
            assertTrue(
                    numberIn(refused.getMessage(), "remaining") > MAX / 10 - (2 << 10),
                    "the flood stops at 10 %, well before 5 %: " + refused.getMessage());
            assertThrows(
                    AuditWriteException.class,
                    () -> log.appendIntent(as("vm-flood", TestLogs.decision(2)), Durability.WRITTEN),
                    "the flooding VM's changes are refused too");
            log.appendOutcome(as("vm-flood", TestLogs.decision(4)), Durability.WRITTEN); // of a change admitted before
            // vm-b's changes go on, from its own share, until the 5 % mark: then only looks go in, as ever.
            AuditWriteException quietRefused = null;
            while (quietRefused == null) {
                try {
                    log.appendIntent(TestLogs.decision(2 * quietChanges + 1), Durability.WRITTEN);
                    quietChanges++;
                } catch (AuditWriteException e) {
                    quietRefused = e;
                }
            }
            assertTrue(quietRefused.getMessage().contains("refusing changes"), quietRefused.getMessage());
        }
        List<AuditRecord> budgetRecords = new ArrayList<>();
        SegmentReader.forEachLine(dir, l -> {
            try {
                AuditRecord r = AuditRecord.parse(l.bytes());
                if ("log_budget".equals(r.type())) {
                    budgetRecords.add(r);
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertEquals(2, budgetRecords.size(), budgetRecords.toString());
        assertTrue(
                budgetRecords.get(0).detail().startsWith("state=low"),
                budgetRecords.get(0).detail());
        assertTrue(
                budgetRecords.get(1).detail().contains("vm=vm-flood")
                        && budgetRecords.get(1).detail().endsWith(" refused"),
                "the log says which VM was refused and why: "
                        + budgetRecords.get(1).detail());
        assertTrue(quietChanges >= 10, "the quiet VM made " + quietChanges + " changes after the flood");
        VerificationReport report = new Verifier(List.of(key.verifierKey()), null, Progress.NONE).verify(dir);
        assertTrue(report.ok(), report.summary());
    }

    /**
     * Records of no VM ("": connections refused before the transport named a VM, which a VM can make by connecting
     * without its certificate or to a vsock port not its own) have a share of the last 20 %. Given a share on top of
     * the VMs' halves, the zone was promised 1.5 times over: one VM's looks (its half, 10 %) and its refused connects
     * (another 10 %) took the budget past the 5 % mark, and every other VM's changes were refused.
     */
    @Test
    void recordsOfNoVmDoNotLetOneVmRefuseAnotherVmsChanges() {
        DiskBudget budget = new DiskBudget(MAX, 0, MAX - MAX / 5, () -> Long.MAX_VALUE, 2);
        budget.admits(DiskBudget.Kind.RECORD, "vm-b", 0); // the quiet VM, seen
        long added = 0;
        for (String vm : List.of("vm-a", "")) {
            while (budget.admits(DiskBudget.Kind.RECORD, vm, 256) == DiskBudget.Verdict.ADMITTED) {
                budget.wrote(DiskBudget.Kind.RECORD, vm, 256);
                added += 256;
            }
        }
        assertEquals(
                DiskBudget.Verdict.ADMITTED,
                budget.admits(DiskBudget.Kind.CHANGE, "vm-b", 256),
                "vm-b's change, after vm-a and the records of no VM added " + added + " bytes of a " + MAX / 5
                        + "-byte zone");
    }

    @Test
    void theRecordsOfNoVmAreRefusedAsSuchNotAsAVmWithoutAName() throws Exception {
        try (AuditLog log = twoVmLog()) {
            AuditWriteException refused = null;
            for (int i = 0; refused == null && i < 4 * MAX / 200; i++) {
                try {
                    log.append(as("", TestLogs.decision(i)), Durability.WRITTEN);
                } catch (AuditWriteException e) {
                    refused = e;
                }
            }
            assertTrue(refused != null, "the records of no VM were never refused");
            assertTrue(
                    refused.getMessage()
                                    .contains(
                                            "what the pool of connections refused before they named a VM would record")
                            && !refused.getMessage().contains("VM  "),
                    refused.getMessage());
            assertEquals(MAX / 5 / 8, numberIn(refused.getMessage(), "vm_share"), refused.getMessage());
        }
    }

    @Test
    void oneVmAloneKeepsTheWholeZone() {
        DiskBudget budget = new DiskBudget(MAX, 0, MAX - MAX / 5, () -> Long.MAX_VALUE, 0);
        for (long left = MAX / 5; left > MAX / 20 + 1000; left -= 1000) {
            assertEquals(DiskBudget.Verdict.ADMITTED, budget.admits(DiskBudget.Kind.CHANGE, "vm-a", 1000));
            budget.wrote(DiskBudget.Kind.CHANGE, "vm-a", 1000);
        }
        assertEquals(DiskBudget.Verdict.CHANGES_REFUSED, budget.admits(DiskBudget.Kind.CHANGE, "vm-a", 1000));
        assertEquals(DiskBudget.Verdict.ADMITTED, budget.admits(DiskBudget.Kind.RECORD, "vm-a", 1000));
    }

    @Test
    void sharesStartAfreshOnceRoomIsMade() {
        AtomicLong usable = new AtomicLong(100L << 20);
        long reserve = 64L << 20;
        DiskBudget budget = new DiskBudget(0, reserve, 0, usable::get, 2);
        usable.set(reserve + (12L << 20)); // under 20 % of the reserve (12.8 MiB): 6.4 MiB for each of the two VMs
        budget.wrote(DiskBudget.SAMPLE_BYTES);
        assertEquals(DiskBudget.State.LOW, budget.state());
        long added = 0;
        while (budget.admits(DiskBudget.Kind.RECORD, "vm-a", 100_000) == DiskBudget.Verdict.ADMITTED) {
            budget.wrote(DiskBudget.Kind.RECORD, "vm-a", 100_000);
            added += 100_000;
            usable.addAndGet(-100_000);
        }
        assertEquals(DiskBudget.Verdict.VM_SHARE_USED, budget.admits(DiskBudget.Kind.RECORD, "vm-a", 100_000));
        assertTrue(added <= (64L << 20) / 5 / 2, "within its share: " + added);
        assertEquals(java.util.Optional.of("vm-a"), budget.nextVmRefused());
        assertEquals(java.util.Optional.empty(), budget.nextVmRefused(), "reported once");
        assertEquals(DiskBudget.Verdict.ADMITTED, budget.admits(DiskBudget.Kind.RECORD, "vm-b", 100_000));
        usable.set(200L << 20); // an operator made room
        budget.wrote(DiskBudget.SAMPLE_BYTES);
        assertEquals(DiskBudget.State.OK, budget.state());
        usable.set(reserve + (12L << 20));
        budget.wrote(DiskBudget.SAMPLE_BYTES);
        assertEquals(DiskBudget.State.LOW, budget.state());
        assertEquals(
                DiskBudget.Verdict.ADMITTED,
                budget.admits(DiskBudget.Kind.RECORD, "vm-a", 100_000),
                "vm-a has a share again");
    }

    @Test
    void theLogsOwnRecordsBeforeTheFirstSampleDoNotEmptyAFreeSpaceBudget() throws Exception {
        DiskBudget budget = new DiskBudget(0, 1L << 20, 0, () -> 100L << 30);
        budget.wrote(DiskBudget.Kind.INTERNAL, null, 500); // the START record, never asked about
        assertEquals(DiskBudget.Verdict.ADMITTED, budget.admits(DiskBudget.Kind.CHANGE, "vm-a", 500));
        assertEquals(DiskBudget.State.OK, budget.state());
        try (AuditLog log = AuditLog.open(dir, key, TestLogs.options().withDiskBudget(0, 1L << 20))) {
            log.appendIntent(TestLogs.decision(1), Durability.WRITTEN);
        }
    }

    /** {@code event} as recorded for {@code vm}. */
    private static AuditEvent.Decision as(String vm, AuditEvent.Decision event) {
        return new AuditEvent.Decision(
                vm,
                event.session(),
                event.op(),
                event.tag(),
                event.path(),
                event.ids(),
                event.outcome(),
                event.ruleIds(),
                event.policyDigest(),
                event.errno(),
                event.bytes(),
                event.detail(),
                event.count());
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
        assertEquals(DiskBudget.Verdict.CHANGES_REFUSED, budget.admits(DiskBudget.Kind.CHANGE, null, 500));
        assertEquals(DiskBudget.Verdict.ADMITTED, budget.admits(DiskBudget.Kind.RECORD, null, 500));
        usable.set(reserve + 1000);
        budget.wrote(DiskBudget.SAMPLE_BYTES); // from now on within reach of the reserve: sampled at every record
        assertEquals(DiskBudget.Verdict.FULL, budget.admits(DiskBudget.Kind.RECORD, null, 2000));
        assertEquals(DiskBudget.Verdict.ADMITTED, budget.admits(DiskBudget.Kind.INTERNAL, null, 2000));
        assertEquals(DiskBudget.State.FULL, budget.state());
        usable.set(200L << 20); // an operator made room
        budget.wrote(DiskBudget.SAMPLE_BYTES);
        assertEquals(DiskBudget.State.OK, budget.state());
    }

    /**
     * A guest's writes to a share on the log's file system take the free space the records need: sampled only every
     * 256 KiB of records, a VM writing 1 MiB Twrites (one 300-byte record each) went on for ~870 MiB unseen, past the
     * reserve, and the next record of any VM failed on a full disk. Guest data now counts, and never goes into the
     * last 20 %: the writer is refused (ENOSPC) there, while the records of every VM, and changes without data,
     * still go in.
     */
    @Test
    void aFloodOfGuestDataOnTheLogsFileSystemIsRefusedBeforeAnotherVmsRecords() {
        long reserve = 64L << 20;
        long mib = 1L << 20;
        int record = 300;
        AtomicLong usable = new AtomicLong(reserve + (100L << 20));
        DiskBudget budget = new DiskBudget(0, reserve, 0, usable::get, 2);
        assertEquals(DiskBudget.Verdict.ADMITTED, budget.admits(DiskBudget.Kind.RECORD, "vm-victim", record));
        DiskBudget.Verdict flood = DiskBudget.Verdict.ADMITTED;
        long lowest = usable.get();
        for (int i = 0; i < 400 && flood == DiskBudget.Verdict.ADMITTED; i++) {
            flood = budget.admits(DiskBudget.Kind.CHANGE, "vm-flood", record, mib);
            if (flood == DiskBudget.Verdict.ADMITTED) {
                budget.wrote(DiskBudget.Kind.CHANGE, "vm-flood", record, mib);
                usable.addAndGet(-(record + mib)); // the share is on the log's file system
                lowest = Math.min(lowest, usable.get());
            }
        }
        assertEquals(
                DiskBudget.Verdict.NO_ROOM_FOR_DATA,
                flood,
                "the flood was refused; free space fell to " + (lowest - reserve) / mib + " MiB above the reserve");
        assertTrue(lowest - reserve >= reserve / 5 - mib, "the last 20 % is kept: " + (lowest - reserve));
        assertEquals(DiskBudget.Verdict.ADMITTED, budget.admits(DiskBudget.Kind.RECORD, "vm-victim", record));
        assertEquals(DiskBudget.Verdict.ADMITTED, budget.admits(DiskBudget.Kind.CHANGE, "vm-victim", record));
        assertEquals(DiskBudget.Verdict.ADMITTED, budget.admits(DiskBudget.Kind.RECORD, "vm-flood", record));
    }

    @Test
    void guestDataCountsOnlyAgainstFreeSpaceNotTheLogsOwnMaximum() {
        DiskBudget budget = new DiskBudget(MAX, 0, 0, () -> Long.MAX_VALUE, 2);
        assertEquals(
                DiskBudget.Verdict.ADMITTED,
                budget.admits(DiskBudget.Kind.CHANGE, "vm-a", 300, 4 * MAX),
                "--audit-max-bytes bounds the log's files, not the shares");
    }

    /**
     * Inodes a guest's changes make on the log's file system (empty files, directories) are kept out of the last
     * {@link DiskBudget#MIN_FREE_INODES}: each rotation of the log makes its next spare segment file. Free inodes
     * that cannot be read count as none (fail closed); a file system that counts none limits nothing.
     */
    @Test
    void inodesGuestChangesMakeOnTheLogsFileSystemStopAtTheInodeReserve() {
        long reserve = 64L << 20;
        AtomicLong inodes = new AtomicLong(DiskBudget.MIN_FREE_INODES + 500);
        DiskBudget budget = new DiskBudget(0, reserve, 0, () -> reserve << 1, inodes::get, 2);
        int made = 0;
        while (made < 1000
                && budget.admits(DiskBudget.Kind.CHANGE, "vm-flood", 300, 512, 1) == DiskBudget.Verdict.ADMITTED) {
            budget.wrote(DiskBudget.Kind.CHANGE, "vm-flood", 300, 512, 1);
            inodes.decrementAndGet();
            made++;
        }
        assertEquals(500, made, "up to the inode reserve");
        assertEquals(DiskBudget.MIN_FREE_INODES, inodes.get());
        assertEquals(DiskBudget.Verdict.ADMITTED, budget.admits(DiskBudget.Kind.CHANGE, "vm-victim", 300, 0, 0));
        assertEquals(
                DiskBudget.Verdict.NO_ROOM_FOR_DATA,
                new DiskBudget(0, reserve, 0, () -> reserve << 1, () -> 0, 2)
                        .admits(DiskBudget.Kind.CHANGE, "vm-a", 300, 512, 1),
                "unreadable: none");
        assertEquals(
                DiskBudget.Verdict.ADMITTED,
                new DiskBudget(0, reserve, 0, () -> reserve << 1, () -> FreeInodes.UNCOUNTED, 2)
                        .admits(DiskBudget.Kind.CHANGE, "vm-a", 300, 512, 1),
                "a file system that counts no inodes");
    }

    /** statvfs(3) through FFM reads what the file system has: some inodes, or none counted. */
    @Test
    void freeInodesOfARealFileSystem(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        long free = FreeInodes.of(dir, System.getLogger("test")).getAsLong();
        assertTrue(free > 0, "free inodes: " + free);
    }
}
