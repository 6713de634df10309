package io.p9gate.audit.read;

/**
 * Where a record stands in a writer's run, as far as the verifier checks it: a run opens with the log's own
 * {@code start} (its detail names the signing {@code key=}), an optional {@code key_change} and the open
 * {@code checkpoint}, and ends with its {@code shutdown} checkpoint, after which the writer appends nothing.
 */
public enum RunMark {
    /** Any other record. */
    NONE,
    /** The log's own {@code start} record, the first of a run. */
    LOG_START,
    /** The {@code checkpoint} a writer appends when it opens the log ({@code reason=open}). */
    OPEN_CHECKPOINT,
    /** The {@code checkpoint} a writer appends when it closes the log ({@code reason=shutdown}). */
    SHUTDOWN_CHECKPOINT;

    static RunMark of(String type, String detail) {
        if (detail == null) {
            return NONE;
        }
        if ("start".equals(type)) {
            return detail.startsWith("key=") ? LOG_START : NONE;
        }
        if ("checkpoint".equals(type)) {
            if (AuditRecord.hasDetailWord(detail, "reason=open")) {
                return OPEN_CHECKPOINT;
            }
            if (AuditRecord.hasDetailWord(detail, "reason=shutdown")) {
                return SHUTDOWN_CHECKPOINT;
            }
        }
        return NONE;
    }
}
