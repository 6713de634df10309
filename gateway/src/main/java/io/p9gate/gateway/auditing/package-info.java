/**
 * The gateway side of the signed audit trail (R-AUD-1, R-AUD-4): turns the guarded filesystem's decisions and
 * the gateway's lifecycle events into records of the {@code audit} module's {@link io.p9gate.audit.AuditLog}.
 */
package io.p9gate.gateway.auditing;
