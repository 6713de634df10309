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
 */
public record AuditOptions(String origin, long maxSegmentBytes, int checkpointRecords, Duration checkpointEvery,
                           Clock clock) {
    public AuditOptions {
        Objects.requireNonNull(origin, "origin");
        if (origin.isEmpty() || origin.contains("\n")) {
            throw new IllegalArgumentException("origin must be one non-empty line");
        }
        if (maxSegmentBytes <= 0 || checkpointRecords <= 0 || checkpointEvery.isNegative()) {
            throw new IllegalArgumentException("sizes and counts must be positive");
        }
        Objects.requireNonNull(clock, "clock");
    }

    /** 64 MiB segments, a checkpoint every 1,024 records or every second (R-AUD-2). */
    public static AuditOptions defaults(String origin) {
        return new AuditOptions(origin, 64L << 20, 1024, Duration.ofSeconds(1), Clock.systemUTC());
    }

    public AuditOptions withMaxSegmentBytes(long bytes) {
        return new AuditOptions(origin, bytes, checkpointRecords, checkpointEvery, clock);
    }

    public AuditOptions withCheckpointRecords(int records) {
        return new AuditOptions(origin, maxSegmentBytes, records, checkpointEvery, clock);
    }

    public AuditOptions withCheckpointEvery(Duration every) {
        return new AuditOptions(origin, maxSegmentBytes, checkpointRecords, every, clock);
    }

    public AuditOptions withClock(Clock c) {
        return new AuditOptions(origin, maxSegmentBytes, checkpointRecords, checkpointEvery, c);
    }
}
