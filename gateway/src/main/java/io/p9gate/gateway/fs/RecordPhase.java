package io.p9gate.gateway.fs;

/**
 * When a decision record is written relative to the backend call (R-AUD-4, see docs/audit-format.md).
 */
public enum RecordPhase {
    /** After the backend call (or instead of it, for a denial): the outcome is final. Requests that change nothing. */
    DONE,
    /** Before a backend call that changes the host: no change happens unless its record was written first. */
    INTENT,
    /** After an {@link #INTENT} whose backend call failed or moved a different number of bytes than announced. */
    OUTCOME
}
