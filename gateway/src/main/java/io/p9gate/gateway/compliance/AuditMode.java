package io.p9gate.gateway.compliance;

/** Whether a request must have its own audit record (R-AUD-1). */
enum AuditMode {
    /** The policy decides it, so the gateway must record it. */
    REQUIRED,
    /**
     * Refused before any file is touched, without asking the policy about a path (a Tattach naming a share
     * the VM does not have): matched when recorded, not demanded (docs/compliance.md, "Audit").
     */
    IF_RECORDED
}
