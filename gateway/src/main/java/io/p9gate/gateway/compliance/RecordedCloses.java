package io.p9gate.gateway.compliance;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.proto.Errno;
import java.util.List;
import java.util.Optional;

/**
 * The new connections of a VM the suite saw closed at accept ({@link AcceptRefusal}) against the gateway's records of
 * them: each close for the VM's limits.connections is recorded as a denied attach with no session, rule
 * {@code budget.connections}, errno ECONNREFUSED (docs/policy.md), repeats within a refusal window as a summary whose
 * {@code count} says how many ({@link RefusalSummaries}). Each names its peer ({@code peer=}); a refusal whose peer is
 * not the suite's ({@link SuitePeers}: the live VM's process, another address) is not the suite's: before, every
 * refusal of the VM was counted, and the live VM's covered the suite's closes the gateway did not record
 * (UnrecordedAcceptCloseComplianceTest). A summary of several peers on a Unix socket ({@code peer=varied}, one source)
 * still counts whole: which of them were the suite's the log does not say. Fewer than the suite saw is a close the
 * gateway did not record, or one that was no refusal for the limit at all.
 *
 * @param closed   how many the suite saw closed
 * @param recorded how many refusals of the VM for the limit the records since the run began count, but for those of
 *     other peers
 */
record RecordedCloses(int closed, long recorded) {
    private static final String RULE = "budget.connections";

    static RecordedCloses of(String vm, int closed, List<AuditRecord> records, SuitePeers suite) {
        long recorded = records.stream()
                .filter(r -> vm.equals(r.vm())
                        && "attach".equals(r.op())
                        && "deny".equals(r.decision())
                        && r.errno() != null
                        && r.errno() == Errno.ECONNREFUSED.code()
                        && r.rules() != null
                        && r.rules().contains(RULE)
                        && suite.mayBe(r.detail()))
                .mapToLong(AuditRecord::requests)
                .sum();
        return new RecordedCloses(closed, recorded);
    }

    boolean unrecorded() {
        return recorded < closed;
    }

    /** The mismatch, for the VM's records check; empty when every close is accounted for. */
    Optional<String> problem(String vm) {
        if (!unrecorded()) {
            return Optional.empty();
        }
        return Optional.of("the gateway closed " + closed + (closed == 1 ? " new connection" : " new connections")
                + " of " + vm + " at accept, which the suite took for its limits.connections, but the log records "
                + recorded + " " + RULE + " refusals of " + vm + " (ECONNREFUSED) since the run began, those of"
                + " other peers (the live VM's process or address) left out: a close it did not record, or one for no"
                + " reason");
    }
}
