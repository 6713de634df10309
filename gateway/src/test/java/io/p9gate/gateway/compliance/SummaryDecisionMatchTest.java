package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.proto.Errno;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
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

    /** The probe's summary where it counts it by op, errno and path but not by decision and rules; else null. */
    private static AuditRecord loosely(AuditRecord summary) {
        Map<Probe, AuditRecord> loosely = new IdentityHashMap<>();
        List<Probe> unclaimed =
                new RefusalSummaries("vm", List.of(summary)).claim(List.of(HIDDEN), new IdentityHashMap<>(), loosely);
        assertEquals(List.of(), unclaimed, "a summary covering its op, errno and path holds it");
        return loosely.get(HIDDEN);
    }

    /**
     * Held loosely, the probe is compared as a record of its own (AuditChecks#compare): a decision other than the
     * policy's fails its own check, a refusal by another rule audit/records; not "no record", which also failed
     * audit/records for a gateway whose only fault was the decision (WeakenedPolicyComplianceTest, now and then).
     */
    @Test
    void aDeniedProbeIsNotCountedByASummaryOfAllowedRequests() {
        AuditRecord allowed = WalkSummaries.of(1051, "/", "allow", "access", VARIED, 4);
        assertSame(allowed, loosely(allowed));
    }

    @Test
    void aDeniedProbeIsNotCountedByASummaryOfAnotherRule() {
        AuditRecord otherRule = WalkSummaries.of(1051, "/", "deny", "default", VARIED, 4);
        assertSame(otherRule, loosely(otherRule));
    }

    @Test
    void aSummaryOfItsDecisionAndRuleCountsIt() {
        assertNull(loosely(WalkSummaries.of(1051, "/", "deny", "hidden[0]", VARIED, 4)));
    }
}
