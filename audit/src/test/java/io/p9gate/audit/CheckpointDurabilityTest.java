package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.SigningKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A signed checkpoint never covers records that are not yet fsynced (R-AUD-2, R-AUD-3: a power loss must not
 * look like truncation below a signed checkpoint), and a failing checkpoint run fails the log closed (R-AUD-4).
 */
class CheckpointDurabilityTest {
    @TempDir
    Path dir;

    private final SigningKey key = TestLogs.key("test-key");

    @Test
    void aCheckpointCapturedDuringTheFsyncIsSignedOnlyAfterTheNextFsync() throws Exception {
        AtomicReference<AuditLog> log = new AtomicReference<>();
        AtomicBoolean appendedDuringFsync = new AtomicBoolean();
        AtomicLong durable = new AtomicLong();
        List<Long> signed = Collections.synchronizedList(new ArrayList<>());
        List<String> signedAhead = Collections.synchronizedList(new ArrayList<>());
        CheckpointObserver observer = new CheckpointObserver() {
            @Override
            public void forced(long durableRecords) {
                durable.accumulateAndGet(durableRecords, Math::max);
                if (log.get() != null && appendedDuringFsync.compareAndSet(false, true)) {
                    // An appender fills a checkpoint interval while this fsync runs: its count checkpoint is
                    // captured now, so the fsync that just returned need not cover its records.
                    appendInterval(log.get());
                }
            }

            @Override
            public void signing(Checkpoint cp) {
                signed.add(cp.size());
                if (cp.size() > durable.get()) {
                    signedAhead.add(cp.size() + " > " + durable.get());
                }
            }
        };
        try (AuditLog opened = AuditLog.open(dir, key, TestLogs.options(), observer)) {
            log.set(opened);
            opened.append(TestLogs.decision(0));
            opened.checkpoint();
            opened.checkpoint(); // runs after the count checkpoint queued during the first fsync
            assertTrue(opened.writable());
        }
        assertTrue(appendedDuringFsync.get(), "the seam ran");
        assertEquals(List.of(), signedAhead, "checkpoints signed beyond the records on disk");
        List<Long> sorted = new ArrayList<>(signed);
        Collections.sort(sorted);
        assertEquals(sorted, signed, "signed in capture order");
        assertTrue(signed.size() >= 5, "open, request, count, request, shutdown were all signed: " + signed);
    }

    private static void appendInterval(AuditLog log) {
        try {
            for (int i = 0; i < TestLogs.options().checkpointRecords(); i++) {
                log.append(TestLogs.decision(i));
            }
        } catch (AuditWriteException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anErrorInABackgroundCheckpointFailsTheLogClosed() throws Exception {
        AtomicBoolean armed = new AtomicBoolean();
        CheckpointObserver failOnce = Seams.failNextFsync(armed, () -> new OutOfMemoryError("injected"));
        try (AuditLog log = AuditLog.open(dir, key, TestLogs.options(), failOnce)) {
            armed.set(true);
            appendInterval(log); // count-triggered checkpoint: nobody awaits its result
            // Runs after the failed run on the single checkpoint thread; the observer no longer throws.
            AuditWriteException e = assertThrows(AuditWriteException.class, log::checkpoint);
            assertEquals(AuditWriteException.EIO, e.errno());
            assertFalse(log.writable());
            assertThrows(AuditWriteException.class, () -> log.append(TestLogs.decision(1)));
        } catch (AuditWriteException expectedOnClose) {
            assertEquals(AuditWriteException.EIO, expectedOnClose.errno());
        }
    }
}
