package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.proto.Errno;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Probes counted only in refusal summaries are paired with them so that the counts add up whenever they can, not in
 * the order the probes and summaries come: a window over budget writes one summary per op, errno, decision and rules
 * (docs/audit-format.md), and a probe that two of them cover must leave room for one that only one covers. Seen in the
 * lead's suite run under load (GeneratedPolicyComplianceTest seed 2, "no record of walk /pub/...-new.sh (tag 174)"):
 * the second guest user's hidden walks took the room of the summary of allowed walks at "/", the one that counted the
 * walk of the deny rule's new name, and their own summary at /café had room left that covered nothing else.
 */
class SummaryClaimOrderTest {
    private static AuditRecord summary(long seq, String decision, String path, long count) {
        String rule = decision.equals("deny") ? "hidden[0]" : "access";
        String detail = "action=walk share=share-1 details=varied kinds=" + count + " paths=varied";
        return WalkSummaries.of(seq, path, decision, rule, detail, count);
    }

    private static Probe walk(String name, String path, String decision) {
        return new Probe(2, "vm", 7, "walk", path, AuditMode.REQUIRED, Errno.ENOENT, false, decision, List.of(), name);
    }

    private static List<String> unclaimed(List<AuditRecord> summaries, Probe... probes) {
        Map<Probe, Long> claimed = new IdentityHashMap<>();
        List<String> left = new RefusalSummaries("vm", summaries)
                .claim(List.of(probes), claimed, new IdentityHashMap<>()).stream()
                        .map(Probe::checkId)
                        .toList();
        assertEquals(probes.length - left.size(), claimed.size());
        return left;
    }

    @Test
    void aProbeTwoSummariesCoverLeavesTheRoomOfTheOneThatAloneCoversAnother() {
        List<AuditRecord> window = List.of(summary(1051, "allow", "/", 1), summary(1056, "deny", "/café", 1));
        Probe hidden = walk("hidden", "/café/work/x", "deny");
        Probe newName = walk("new", "/pub/p9gate-compliance-t-new.sh", "allow");
        assertEquals(List.of(), unclaimed(window, hidden, newName));
    }

    @Test
    void probesTakenFromOneSummaryMoveOnAlongAChain() {
        // "new" fits / only, "a" / and /café, "b" /café and /café/b: room for all three once a and b both move on
        List<AuditRecord> window = List.of(
                summary(1051, "allow", "/", 1), summary(1056, "deny", "/café", 1), summary(1061, "deny", "/café/b", 1));
        Probe a = walk("a", "/café/a", "deny");
        Probe b = walk("b", "/café/b/x", "deny");
        Probe newName = walk("new", "/pub/p9gate-compliance-t-new.sh", "allow");
        assertEquals(List.of(), unclaimed(window, a, b, newName));
    }

    @Test
    void theCountsStillHaveToAddUp() {
        List<AuditRecord> window = List.of(summary(1051, "allow", "/", 1), summary(1056, "deny", "/café", 1));
        Probe a = walk("a", "/café/work/a", "deny");
        Probe b = walk("b", "/café/work/b", "deny");
        Probe newName = walk("new", "/pub/p9gate-compliance-t-new.sh", "allow");
        assertEquals(1, unclaimed(window, a, b, newName).size());
    }
}
