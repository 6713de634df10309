/**
 * Signed, tamper-evident audit trail (R-AUD-1 … R-AUD-5): {@link io.p9gate.audit.AuditLog} appends canonical
 * JSON records to segment files, chains them, keeps an RFC 6962 tree and signs its heads as C2SP checkpoints
 * ({@link io.p9gate.audit.note}); {@link io.p9gate.audit.verify} checks a log offline; {@link io.p9gate.audit.cli}
 * holds the {@code p9gate audit} and {@code p9gate keys} commands. Format: docs/audit-format.md.
 */
package io.p9gate.audit;
