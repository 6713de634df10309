package io.p9gate.gateway.fs;

/**
 * Receives one record per decision, allowed or denied, with its outcome (R-AUD-1). If recording
 * fails the request fails with EIO (fail closed, R-AUD-4). Must be thread-safe.
 */
@FunctionalInterface
public interface AuditTrail {
    void record(AccessRequest request, Decision decision, Outcome outcome) throws Exception;
}
