package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.Errno;

/**
 * One request as the audit log must show it (R-AUD-1): the suite's connection, the 9P tag, the operation
 * name as the gateway records it ({@code lcreate}, {@code walk}, ...), the share-relative path acted on, and
 * what the suite saw. {@code decision} is what the policy decides ({@code allow}/{@code deny}; null for
 * requests it does not decide): a record that says otherwise shows the gateway deciding against the policy,
 * even where the errno alone could not (an ENOENT from the host looks like a hidden path's ENOENT).
 */
record Probe(int connection, String vm, int tag, String op, String path, AuditMode mode, Errno seen,
             String decision, String checkId) {
    /** The errno the record must carry: 0 for success (a partial walk is a success). */
    int errnoCode() {
        return seen == null ? 0 : seen.code();
    }
}
