package io.p9gate.audit;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Tuning of an {@link AuditLog}.
 *
 * @param origin            checkpoint origin line, e.g. {@code "p9gate.example/ecu-a/audit"}
 * @param maxSegmentBytes   a segment is closed and a new one started once it reaches this size
 * @param checkpointRecords sign a checkpoint after at most this many records
 * @param checkpointEvery   and at least this often while records arrive (zero: no timer, tests only)
 * @param maxBytes          disk budget: bytes the log's files may hold (0: no limit), see {@code DiskBudget}
 * @param minFreeBytes      disk budget: bytes to leave free on the log's file system (0: no reserve)
 * @param budgetVms         disk budget: the VMs that share its last 20 % evenly (0: the VMs seen in records)
 */
public record AuditOptions(
        String origin,
        long maxSegmentBytes,
        int checkpointRecords,
        Duration checkpointEvery,
        Clock clock,
        long maxBytes,
        long minFreeBytes,
        int budgetVms) {
    public AuditOptions {
        Objects.requireNonNull(origin, "origin");
        if (origin.isEmpty() || origin.contains("\n")) {
            throw new IllegalArgumentException("origin must be one non-empty line");
        }
        if (maxSegmentBytes <= 0 || checkpointRecords <= 0 || checkpointEvery.isNegative()) {
            throw new IllegalArgumentException("sizes and counts must be positive");
        }
        Objects.requireNonNull(clock, "clock");
        if (maxBytes < 0 || minFreeBytes < 0 || budgetVms < 0) {
            throw new IllegalArgumentException("budgets are positive, or 0 for none");
        }
    }

    /**
     * 64 MiB segments, a checkpoint every 8,192 records or every second (R-AUD-2): the second bounds how long a
     * record stays unsigned; the count only caps signing under a flood (docs/audit-format.md, "When").
     */
    public static AuditOptions defaults(String origin) {
        return new AuditOptions(origin, 64L << 20, 8192, Duration.ofSeconds(1), Clock.systemUTC(), 0, 0, 0);
    }

    public AuditOptions withMaxSegmentBytes(long bytes) {
        return new AuditOptions(
                origin, bytes, checkpointRecords, checkpointEvery, clock, maxBytes, minFreeBytes, budgetVms);
    }

    public AuditOptions withCheckpointRecords(int records) {
        return new AuditOptions(
                origin, maxSegmentBytes, records, checkpointEvery, clock, maxBytes, minFreeBytes, budgetVms);
    }

    public AuditOptions withCheckpointEvery(Duration every) {
        return new AuditOptions(
                origin, maxSegmentBytes, checkpointRecords, every, clock, maxBytes, minFreeBytes, budgetVms);
    }

    public AuditOptions withClock(Clock c) {
        return new AuditOptions(
                origin, maxSegmentBytes, checkpointRecords, checkpointEvery, c, maxBytes, minFreeBytes, budgetVms);
    }

    /** With a disk budget: at most {@code bytes} in the log's files, at least {@code free} left on its disk. */
    public AuditOptions withDiskBudget(long bytes, long free) {
        return new AuditOptions(
                origin, maxSegmentBytes, checkpointRecords, checkpointEvery, clock, bytes, free, budgetVms);
    }

    /** With {@code vms} VMs sharing the last 20 % of the disk budget evenly (see {@code VmShares}). */
    public AuditOptions withBudgetVms(int vms) {
        return new AuditOptions(
                origin, maxSegmentBytes, checkpointRecords, checkpointEvery, clock, maxBytes, minFreeBytes, vms);
    }
}
