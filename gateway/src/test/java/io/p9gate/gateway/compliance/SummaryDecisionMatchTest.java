package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.proto.Errno;
import java.util.IdentityHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A probe counted only in a refusal summary is one of that summary's requests only where the summary has its decision
 * and, for a refusal, one of the rules the policy refuses it by: the gateway writes one summary per op, errno,
 * decision and rules (docs/audit-format.md). Before, op, errno and path were compared: a hidden walk the policy refuses
 * (ENOENT) was taken as counted by a summary of allowed walks the host failed with ENOENT, or of walks denied by
 * another rule, so a gateway that recorded the hidden subtree's refusals as allowed, or as the default deny, passed
 * wherever they fell into a summary (a record of its own is compared so: AuditChecks#compare).
 */
class SummaryDecisionMatchTest {
    private static final String VARIED = "action=walk share=share-1 details=varied kinds=2 paths=varied";

    private static final Probe HIDDEN = new Probe(
            2,
            "vm",
            7,
            "walk",
            "/secret/x",
            AuditMode.REQUIRED,
            Errno.ENOENT,
            false,
            "deny",
            List.of("hidden[0]"),
            "hidden");

    private static List<Probe> unclaimed(AuditRecord summary) {
        return new RefusalSummaries("vm", List.of(summary)).claim(List.of(HIDDEN), new IdentityHashMap<>());
    }

    @Test
    void aDeniedProbeIsNotCountedByASummaryOfAllowedRequests() {
        assertEquals(List.of(HIDDEN), unclaimed(WalkSummaries.of(1051, "/", "allow", "access", VARIED, 4)));
    }

    @Test
    void aDeniedProbeIsNotCountedByASummaryOfAnotherRule() {
        assertEquals(List.of(HIDDEN), unclaimed(WalkSummaries.of(1051, "/", "deny", "default", VARIED, 4)));
    }

    @Test
    void aSummaryOfItsDecisionAndRuleCountsIt() {
        assertEquals(List.of(), unclaimed(WalkSummaries.of(1051, "/", "deny", "hidden[0]", VARIED, 4)));
    }
}
