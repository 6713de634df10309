package io.p9gate.audit;

import java.util.Locale;

/** Gateway events that are recorded besides decisions (R-AUD-1). */
public enum LifecycleKind {
    START,
    POLICY_LOAD,
    POLICY_RELOAD,
    KEY_CHANGE,
    CHECKPOINT,
    SESSION_ATTACH,
    SESSION_CLOSE,
    SHUTDOWN,
    /** The log failed on a write and was brought back without a restart ({@code AuditLog}, "recovery"). */
    LOG_RECOVERED,
    /** The log's disk budget changed state: low, changes refused, full, or ok again ({@code DiskBudget}). */
    LOG_BUDGET;

    /** The spelling stored in the record's {@code type} field, e.g. {@code "policy_reload"}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Events after which the log signs a checkpoint at once, so that the change is anchored immediately (R-AUD-2). */
    boolean forcesCheckpoint() {
        return switch (this) {
            case POLICY_LOAD, POLICY_RELOAD, KEY_CHANGE -> true;
            case START, CHECKPOINT, SESSION_ATTACH, SESSION_CLOSE, SHUTDOWN, LOG_RECOVERED, LOG_BUDGET -> false;
        };
    }
}
