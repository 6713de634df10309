/**
 * Per-VM resource budgets (R-ROB-2): what one VM may hold of the gateway's descriptors, memory and workers,
 * so that no VM can exhaust, starve or wedge another or the audit log. A leaf package: counters and limits,
 * used by the backend (descriptors), the guarded layer (pending xattrs), the operations (fids, locks) and the
 * session (outstanding requests, queued replies).
 */
package io.p9gate.gateway.budget;
