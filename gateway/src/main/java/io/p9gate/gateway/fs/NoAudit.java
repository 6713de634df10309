package io.p9gate.gateway.fs;

/** Records nothing: the development stand-in until the signed audit log is plugged in. */
public final class NoAudit implements AuditTrail {
    @Override
    public void record(AccessRequest request, Decision decision, Outcome outcome) {
        // Deliberately empty.
    }
}
