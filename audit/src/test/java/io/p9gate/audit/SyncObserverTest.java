package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fsync timings the gateway's metrics get: one per segment fsync, and a failing observer harms nothing. */
class SyncObserverTest {
    @TempDir
    Path dir;

    @Test
    void seesEverySegmentFsyncWithItsDuration() throws Exception {
        List<Long> seen = new CopyOnWriteArrayList<>();
        try (AuditLog log = AuditLog.open(dir, TestLogs.key("t"), TestLogs.options())) {
            log.checkpoint(); // settles what opening the log started (its fsync is not this test's)
            long before = log.fsyncs();
            log.observeSyncs(seen::add);
            for (int i = 0; i < 3; i++) {
                log.append(TestLogs.decision(i), Durability.SYNCED); // returns once its fsync is done
            }
            assertEquals(log.fsyncs() - before, seen.size(), "one observation per fsync");
            assertTrue(seen.size() >= 1 && seen.stream().allMatch(nanos -> nanos >= 0), seen.toString());
        }
    }

    @Test
    void aFailingObserverDoesNotFailTheLog() throws Exception {
        AtomicInteger thrown = new AtomicInteger();
        try (AuditLog log = AuditLog.open(dir, TestLogs.key("t"), TestLogs.options())) {
            log.observeSyncs(nanos -> {
                thrown.incrementAndGet();
                throw new IllegalStateException("metrics bug");
            });
            log.append(TestLogs.decision(1), Durability.SYNCED);
            log.append(TestLogs.decision(2), Durability.SYNCED);
            assertTrue(thrown.get() >= 1, "the observer was called, and failed");
            assertTrue(log.writable(), "the log goes on");
        }
    }
}
