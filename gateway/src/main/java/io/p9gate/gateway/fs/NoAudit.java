package io.p9gate.gateway.fs;

/** Records nothing: for development (serve without --audit-dir) and for benchmarks of the bare gateway. */
public final class NoAudit implements AuditTrail {
    @Override
    public long record(AuditEntry entry) {
        return NO_SEQ;
    }
}
