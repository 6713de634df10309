package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.Errno;
import java.util.List;

/**
 * One request as the audit log must show it (R-AUD-1): the suite's connection, the 9P tag, the operation
 * name as the gateway records it ({@code lcreate}, {@code walk}, ...), the share-relative path acted on, and
 * what the suite saw. {@code decision} is what the policy decides ({@code allow}/{@code deny}; null for
 * requests it does not decide): a record that says otherwise shows the gateway deciding against the policy,
 * even where the errno alone could not (an ENOENT from the host looks like a hidden path's ENOENT).
 * {@code partial}: a Twalk answered with fewer qids than names, which the protocol calls a success.
 * {@code refusedBy}: the rules that refuse it, where the policy does (its record must name one of them).
 */
record Probe(
        int connection,
        String vm,
        int tag,
        String op,
        String path,
        AuditMode mode,
        Errno seen,
        boolean partial,
        String decision,
        List<String> refusedBy,
        String checkId) {
    Probe {
        refusedBy = List.copyOf(refusedBy);
    }

    /** The errno the suite saw: 0 for success, also for a partial walk. */
    int errnoCode() {
        return seen == null ? 0 : seen.code();
    }

    /**
     * Whether a record's errno is what the suite saw. A walk that stopped part-way is recorded with the errno of
     * the name that did not resolve (the path the record names was not reached), which the reply does not carry:
     * any failure matches it, a success does not.
     */
    boolean recorded(Integer errno) {
        if (errno == null) {
            return false;
        }
        return partial ? errno != 0 : errno == errnoCode();
    }

    /** What the suite saw, for a mismatch's message. */
    String describeSeen() {
        return partial ? "a partial walk" : String.valueOf(errnoCode());
    }
}
