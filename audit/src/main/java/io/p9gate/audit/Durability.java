package io.p9gate.audit;

/** How far a record has gone when {@link AuditLog#append(AuditEvent, Durability)} returns (R-AUD-4, R-ROB-3). */
public enum Durability {
    /**
     * Encoded, chained and kept in the log's buffer: handed to the kernel, with every record held before it, by
     * {@link AuditLog#writeHeld}, which the caller calls before it acknowledges the record (the gateway: before the
     * replies of an event-loop batch leave), by the next record that is not held, a checkpoint or a rotation, or
     * else by a timer within {@link AuditLog#HOLD_MILLIS} ms. One write(2) per batch instead of one per record. For
     * a record after which the caller changes nothing before acknowledging it (a look, a denial, an outcome).
     */
    HELD,
    /**
     * Handed to the kernel: survives a crash of the process, not a power cut until the next checkpoint's fsync.
     * Enough for a record after which nothing irreversible happens (a look, a denial, an outcome, a session).
     */
    WRITTEN,
    /**
     * On disk (fdatasync of the segment): for the record of a change the caller makes right after, so that a
     * power cut cannot keep the change and lose its record. Concurrent appenders share one fsync (group
     * commit), so the cost is one fsync per batch, not per record.
     */
    SYNCED
}
