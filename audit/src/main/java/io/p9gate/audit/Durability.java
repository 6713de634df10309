package io.p9gate.audit;

/** How far a record has gone when {@link AuditLog#append(AuditEvent, Durability)} returns (R-AUD-4, R-ROB-3). */
public enum Durability {
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
