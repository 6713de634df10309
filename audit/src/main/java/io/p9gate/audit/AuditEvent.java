package io.p9gate.audit;

import java.util.List;
import java.util.Objects;

/**
 * What the gateway hands to {@link AuditLog#append}. The log adds sequence, boot id, time and the previous
 * record's hash; everything else comes from here (R-AUD-1).
 */
public sealed interface AuditEvent permits AuditEvent.Decision, AuditEvent.Lifecycle {

    /** Marks {@link Decision#bytes()} of operations that move no data. */
    long NO_BYTES = -1;
    /** Marks {@link Lifecycle#session()} of events that belong to no session. */
    long NO_SESSION = -1;

    /**
     * One policy decision on one 9P request, allowed or denied.
     *
     * @param op           9P operation name, e.g. {@code "walk"}, {@code "lcreate"}
     * @param path         share-relative path; normalised by {@link StoredPaths#normalise}, recorded as
     *                     {@link io.p9gate.audit.read.AbbreviatedPath#stored} (abbreviated past 4,095 bytes)
     * @param ruleIds      the rule ids that decided (empty for the default deny)
     * @param policyDigest digest of the policy that decided, e.g. {@code "sha256:…"}
     * @param errno        errno of the reply (0 for success)
     * @param bytes        bytes read or written, or {@link #NO_BYTES}
     * @param detail       what else the reviewer needs: second path, flags, when it was recorded; may be null
     * @param count        how many identical requests this record stands for: 1, or more for a summary of
     *                     repeated refusals (the gateway's denial budget)
     */
    record Decision(
            String vm,
            long session,
            String op,
            int tag,
            String path,
            IdMapping ids,
            Outcome outcome,
            List<String> ruleIds,
            String policyDigest,
            int errno,
            long bytes,
            String detail,
            long count)
            implements AuditEvent {
        public Decision {
            Objects.requireNonNull(vm, "vm");
            Objects.requireNonNull(op, "op");
            Objects.requireNonNull(ids, "ids");
            Objects.requireNonNull(outcome, "outcome");
            path = StoredPaths.normalise(Objects.requireNonNull(path, "path"));
            ruleIds = List.copyOf(ruleIds);
            if (count < 1) {
                throw new IllegalArgumentException("a decision stands for at least one request: " + count);
            }
        }

        /** This decision standing for {@code count} requests, with another detail (a summary of repeats). */
        public Decision summarising(long count, String path, int tag, long session, String detail) {
            return new Decision(
                    vm, session, op, tag, path, ids, outcome, ruleIds, policyDigest, errno, bytes, detail, count);
        }
    }

    /**
     * A lifecycle event: start, policy load/reload (with its digest), key change, checkpoint, session attach/close,
     * shutdown. {@code vm} and {@code policyDigest} may be null when they do not apply.
     */
    record Lifecycle(LifecycleKind kind, String vm, long session, String policyDigest, String detail)
            implements AuditEvent {
        public Lifecycle {
            Objects.requireNonNull(kind, "kind");
        }

        public static Lifecycle of(LifecycleKind kind, String detail) {
            return new Lifecycle(kind, null, NO_SESSION, null, detail);
        }
    }
}
