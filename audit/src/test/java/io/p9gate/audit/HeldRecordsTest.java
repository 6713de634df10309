package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.verify.Progress;
import io.p9gate.audit.verify.VerificationReport;
import io.p9gate.audit.verify.Verifier;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records appended {@link Durability#HELD} (issue 11): a batch of them reaches the segment in one write(2) when the
 * caller asks ({@link AuditLog#writeHeld}) or the next record that is not held is written, in sequence order; a
 * failing batch write fails the log as a record's write does, and its recovery writes the batch again.
 */
class HeldRecordsTest {
    @TempDir
    Path dir;

    private final SigningKey key = TestLogs.key("held");

    /** No timers, and no count checkpoint within a test's batch: every write is one the test asked for. */
    private static AuditOptions options() {
        return TestLogs.options().withCheckpointRecords(1_000);
    }

    /** Counts the write(2)s of record lines (zeros written ahead are not records); can cut the next one short. */
    private static final class CountingFiles implements SegmentWriter.SegmentFiles {
        volatile int lineWrites;
        volatile boolean cutNextLineWrite;
        /** When set, the next line write waits for it (its writer holding the log's lock), after {@link #stalled}. */
        volatile CountDownLatch stallNextLineWrite;

        final CountDownLatch stalled = new CountDownLatch(1);

        @Override
        public RandomAccessFile open(Path file) throws IOException {
            return new RandomAccessFile(file.toFile(), "rw") {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (len > 0 && b[off] == '{') {
                        lineWrites++;
                        CountDownLatch stall = stallNextLineWrite;
                        if (stall != null) {
                            stallNextLineWrite = null;
                            stalled.countDown();
                            awaitUninterruptibly(stall);
                        }
                        if (cutNextLineWrite) {
                            cutNextLineWrite = false;
                            super.write(b, off, len / 2);
                            throw new IOException("Input/output error");
                        }
                    }
                    super.write(b, off, len);
                }
            };
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private List<AuditRecord> records() throws IOException {
        return TestLogs.records(dir);
    }

    private long decisionsInFile() throws IOException {
        return records().stream().filter(AuditRecord::isDecision).count();
    }

    @Test
    void aBatchOfHeldRecordsIsOneWrite() throws Exception {
        CountingFiles files = new CountingFiles();
        try (AuditLog log = AuditLog.open(dir, key, options(), CheckpointObserver.NONE, files)) {
            int before = files.lineWrites;
            for (int i = 0; i < 16; i++) {
                log.append(TestLogs.decision(i), Durability.HELD);
            }
            assertEquals(before, files.lineWrites, "held, not written");
            assertEquals(0, decisionsInFile());
            log.writeHeld();
            assertEquals(before + 1, files.lineWrites, "16 records in one write(2)");
            assertEquals(16, decisionsInFile());
            log.writeHeld();
            assertEquals(before + 1, files.lineWrites, "nothing held: no write");

            // The same 16 written one by one (main: every append): 16 writes.
            for (int i = 16; i < 32; i++) {
                log.append(TestLogs.decision(i));
            }
            assertEquals(before + 17, files.lineWrites);
        }
        assertVerifiesAnchored();
    }

    @Test
    void aRecordThatIsNotHeldWritesTheHeldOnesBeforeItInTheSameWrite() throws Exception {
        CountingFiles files = new CountingFiles();
        try (AuditLog log = AuditLog.open(dir, key, options(), CheckpointObserver.NONE, files)) {
            log.append(TestLogs.decision(0), Durability.HELD);
            log.append(TestLogs.decision(1), Durability.HELD);
            int before = files.lineWrites;
            long seq = log.appendIntent(TestLogs.decision(2), Durability.WRITTEN);
            assertEquals(before + 1, files.lineWrites);
            List<AuditRecord> decisions =
                    records().stream().filter(AuditRecord::isDecision).toList();
            assertEquals(3, decisions.size());
            assertEquals(seq, decisions.getLast().seq(), "in sequence order");
            log.append(TestLogs.decision(3), Durability.HELD);
            log.checkpoint(); // a checkpoint covers only what is written: it writes the held records first
            assertEquals(4, decisionsInFile());
            assertEquals(log.size(), log.durableRecords());
        }
        assertVerifiesAnchored();
    }

    @Test
    void aFailedBatchWriteFailsTheLogAndItsRecoveryWritesTheBatchAgain() throws Exception {
        CountingFiles files = new CountingFiles();
        try (AuditLog log = AuditLog.open(dir, key, options(), CheckpointObserver.NONE, files)) {
            log.append(TestLogs.decision(0));
            for (int i = 1; i <= 5; i++) {
                log.append(TestLogs.decision(i), Durability.HELD);
            }
            files.cutNextLineWrite = true;
            AuditWriteException e = assertThrows(AuditWriteException.class, log::writeHeld);
            assertEquals(AuditWriteException.EIO, e.errno());
            assertFalse(log.writable(), "requests are refused");
            assertThrows(AuditWriteException.class, log::writeHeld, "still not written: acknowledge none of them");
            assertThrows(AuditWriteException.class, () -> log.append(TestLogs.decision(6), Durability.HELD));

            assertTrue(log.recoverNow());
            log.writeHeld(); // nothing left held: the recovery wrote the batch before its own record
            log.append(TestLogs.decision(7));
        }
        assertVerifiesAnchored();
        List<Long> tags = records().stream()
                .filter(AuditRecord::isDecision)
                .map(AuditRecord::tag)
                .map(Integer::longValue)
                .toList();
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 7L), tags, "the batch once, whole, in order");
    }

    @Test
    void aFailedWriteOfARecordThatIsNotHeldKeepsTheHeldOnesAndDropsIt() throws Exception {
        CountingFiles files = new CountingFiles();
        try (AuditLog log = AuditLog.open(dir, key, options(), CheckpointObserver.NONE, files)) {
            log.append(TestLogs.decision(0), Durability.HELD);
            log.append(TestLogs.decision(1), Durability.HELD);
            files.cutNextLineWrite = true;
            assertThrows(AuditWriteException.class, () -> log.appendIntent(TestLogs.decision(2), Durability.WRITTEN));
            assertTrue(log.recoverNow());
            log.append(TestLogs.decision(3));
        }
        assertVerifiesAnchored();
        List<Integer> tags = records().stream()
                .filter(AuditRecord::isDecision)
                .map(AuditRecord::tag)
                .toList();
        assertEquals(List.of(0, 1, 3), tags, "the refused intent is not in the log, the held records are");
    }

    /**
     * Two connections' flushes: A's writes both held records; B's, whose record is then written, writes nothing even
     * though A's next record is held by then (main: B's flush took the lock and wrote it, 2 write(2)s instead of 1).
     */
    @Test
    void aFlushWhoseRecordsAnotherFlushWroteWritesNothing() throws Exception {
        CountingFiles files = new CountingFiles();
        try (AuditLog log = AuditLog.open(dir, key, options(), CheckpointObserver.NONE, files)) {
            long a = log.append(TestLogs.decision(0), Durability.HELD);
            long b = log.append(TestLogs.decision(1), Durability.HELD);
            int before = files.lineWrites;
            log.writeHeld(a);
            assertEquals(before + 1, files.lineWrites, "A's flush writes every held record");
            assertEquals(b, log.writtenThrough());
            long c = log.append(TestLogs.decision(2), Durability.HELD);
            log.writeHeld(b);
            assertEquals(before + 1, files.lineWrites, "B's flush: its record is written, it writes nothing");
            assertEquals(2, decisionsInFile(), "A's next record stays held for A's flush");
            log.writeHeld(c);
            assertEquals(before + 2, files.lineWrites);
            assertEquals(c, log.writtenThrough());
        }
        assertVerifiesAnchored();
    }

    /**
     * The lock seam: B's flush, its record written, returns while another flush holds the log's lock in the middle
     * of its write(2) (main: it waited for the lock, as every flush did while anything was held; the timeout only
     * keeps that from hanging the build).
     */
    @Test
    void aFlushWhoseRecordsAreWrittenTakesNoLock() throws Exception {
        CountingFiles files = new CountingFiles();
        try (AuditLog log = AuditLog.open(dir, key, options(), CheckpointObserver.NONE, files)) {
            long b = log.append(TestLogs.decision(0), Durability.HELD);
            log.writeHeld(b);
            long c = log.append(TestLogs.decision(1), Durability.HELD);
            CountDownLatch release = new CountDownLatch(1);
            files.stallNextLineWrite = release;
            Thread other = Thread.ofPlatform().start(() -> {
                try {
                    log.writeHeld(c);
                } catch (AuditWriteException e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                files.stalled.await(); // the other flush holds the lock, inside its write(2)
                assertTimeoutPreemptively(Duration.ofSeconds(30), () -> log.writeHeld(b));
            } finally {
                release.countDown();
                other.join();
            }
            assertEquals(c, log.writtenThrough());
        }
        assertVerifiesAnchored();
    }

    /**
     * While held records cannot be written (the log failed), a caller whose records are written goes on; one whose
     * record is held waits for the recovery, which writes it.
     */
    @Test
    void whileHeldRecordsCannotBeWrittenACallerWhoseRecordsAreWrittenGoesOn() throws Exception {
        CountingFiles files = new CountingFiles();
        try (AuditLog log = AuditLog.open(dir, key, options(), CheckpointObserver.NONE, files)) {
            long a = log.append(TestLogs.decision(0), Durability.HELD);
            log.writeHeld(a);
            long b = log.append(TestLogs.decision(1), Durability.HELD);
            files.cutNextLineWrite = true;
            assertThrows(AuditWriteException.class, () -> log.writeHeld(b));
            assertFalse(log.writable());
            assertEquals(a, log.writtenThrough(), "the half-written line is not counted");
            log.writeHeld(a); // main: it threw, as every caller's did while anything was held
            assertThrows(AuditWriteException.class, () -> log.writeHeld(b), "still held: acknowledge it not");
            assertTrue(log.recoverNow());
            assertTrue(log.writtenThrough() >= b, "the recovery wrote it");
            log.writeHeld(b);
        }
        assertVerifiesAnchored();
        assertEquals(2, decisionsInFile());
    }

    @Test
    void heldRecordsAreWrittenByTheTimerWhenNoOneAsks() throws Exception {
        AuditOptions timed = options().withCheckpointEvery(Duration.ofHours(1));
        try (AuditLog log = AuditLog.open(dir, key, timed)) {
            log.append(TestLogs.decision(0), Durability.HELD);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (decisionsInFile() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(AuditLog.HOLD_MILLIS);
            }
            assertEquals(1, decisionsInFile());
        }
    }

    @Test
    void heldRecordsAcrossRotationsStayInOrder() throws Exception {
        CountingFiles files = new CountingFiles();
        try (AuditLog log =
                AuditLog.open(dir, key, options().withMaxSegmentBytes(2_000), CheckpointObserver.NONE, files)) {
            for (int i = 0; i < 40; i++) {
                log.append(TestLogs.decision(i), Durability.HELD);
                if (i % 7 == 6) {
                    log.writeHeld();
                }
            }
        }
        assertVerifiesAnchored();
        assertEquals(40, decisionsInFile());
    }

    private void assertVerifiesAnchored() throws IOException {
        VerificationReport report = new Verifier(List.of(key.verifierKey()), null, Progress.NONE).verify(dir);
        assertTrue(report.ok(), report.summary());
        assertEquals(report.records(), report.anchored(), report.summary());
    }
}
