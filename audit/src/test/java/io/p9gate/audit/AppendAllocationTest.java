package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every request of the gateway appends a record, on the request's thread, while the 2 cores of a loaded host are
 * what limits throughput (issue 11): the append must not build its line in throw-away buffers. A record line of
 * ~300 bytes used to cost ~1.6 KB of garbage (a fresh 512-byte buffer, grown to 1 KiB for the gateway's longer
 * lines, the line copied out of it, then copied again to add the newline); the line is now encoded into the
 * log's own buffer and written from there.
 * What is left per record is the time stamp and the hashes' 32-byte results. Counted in bytes allocated by the
 * appending thread ({@code ThreadMXBean}), not timed; interpreted or compiled, the count only goes down.
 */
class AppendAllocationTest {
    private static final int RECORDS = 20_000;
    /** Bytes per record allowed: well under one copy of a line, far under the ~1.6 KB of before. */
    private static final long BUDGET = 512;

    @Test
    void appendingARecordAllocatesLessThanItsLine(@TempDir Path dir) throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        AuditEvent.Decision[] events = new AuditEvent.Decision[16];
        for (int i = 0; i < events.length; i++) {
            events[i] = TestLogs.decision(i);
        }
        try (AuditLog log =
                AuditLog.open(dir, TestLogs.key("alloc"), TestLogs.options().withCheckpointRecords(1024))) {
            for (int i = 0; i < RECORDS; i++) { // warm-up: class loading and first-use allocations are not per record
                log.append(events[i & 15]);
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < RECORDS; i++) {
                log.append(events[i & 15]);
            }
            long perRecord = (threads.getCurrentThreadAllocatedBytes() - before) / RECORDS;
            assertTrue(perRecord <= BUDGET, "an append allocated " + perRecord + " bytes, budget " + BUDGET);
        }
    }
}
