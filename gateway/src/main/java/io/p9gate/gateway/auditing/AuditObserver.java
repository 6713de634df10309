package io.p9gate.gateway.auditing;

import io.p9gate.audit.AuditEvent;
import io.p9gate.audit.Durability;
import io.p9gate.gateway.fs.RecordPhase;

/**
 * Sees every record {@link SignedAuditTrail} has just written to the log, exactly as written: a refusal summary
 * arrives once, with the {@code count} of requests it stands for. The metrics are such an observer, so that
 * they count what the log counts and cannot drift from it. Called on the request's thread after the append:
 * it must be quick and must not block; what it throws is logged once and ignored (never EIO).
 */
@FunctionalInterface
public interface AuditObserver {
    AuditObserver NONE = written -> {};

    void written(WrittenRecord written);

    /**
     * @param event       the record as appended
     * @param phase       for a decision, which record of its request this is: the request's only one
     *                    ({@link RecordPhase#DONE}, refusal summaries too), the intent of a change, or the
     *                    outcome that corrects an intent (the same request: not to be counted twice); lifecycle
     *                    records are {@link RecordPhase#DONE}
     * @param durability  how durable the append waited for ({@link Durability#SYNCED}: on disk, group commit)
     * @param appendNanos how long the append took, waiting for that durability included
     */
    record WrittenRecord(AuditEvent event, RecordPhase phase, Durability durability, long appendNanos) {}
}
