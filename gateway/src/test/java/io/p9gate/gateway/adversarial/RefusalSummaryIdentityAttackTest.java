package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-AUD-1, refusal budget): the budget counts a refusal as a repeat of an earlier one when op, path, errno,
 * decision, rules, policy and ids agree, and the summary says {@code repeat_of=} the first, whose detail it copies.
 * The detail was not part of that identity, though it says what was asked: the share a Tattach named
 * ({@code share=}), the names a walk took, a rename's {@code to=}. A hostile VM probing for another VM's share name
 * sent a decoy Tattach first: every later refused Tattach (path {@code /}, rule {@code no-share}) was counted as a
 * repeat of the decoy, so no record in the log named the share it probed for, and {@code policy replay} re-asked
 * the decoy's question for all of them. Every share a VM asked for must be named by a record of its own, and the
 * counts must add up.
 */
class RefusalSummaryIdentityAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aProbedShareNameIsRecordedEvenAfterADecoyWithTheSameRuleAndPath() throws Exception {
        SignedLogs logs;
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp, AuditFloodAttackTest::hourlyBudget);
                P9Client alpha = rig.alpha()) { // a window of an hour: the three refusals fall in one
            logs = rig.logs;
            refusedEnoent(() -> alpha.attach(5, "root", "decoy", 0));
            refusedEnoent(() -> alpha.attach(6, "root", "other", 0)); // beta's share
            refusedEnoent(() -> alpha.attach(7, "root", "decoy", 0)); // a true repeat: may be summarised
        }
        Map<String, Long> askedShares = new TreeMap<>();
        for (AuditRecord r : logs.records()) {
            if (r.isDecision() && "alpha".equals(r.vm()) && "attach".equals(r.op()) && "deny".equals(r.decision())) {
                askedShares.merge(shareWord(r.detail()), r.requests(), Long::sum);
            }
        }
        assertEquals(Map.of("decoy", 2L, "other", 1L), askedShares, "refused attaches by the share they named");
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    /**
     * Past the budget's 64 kinds a window's further refusals are counted per class (op, errno, rules), whatever they
     * asked, into one summary: it copied the first one's detail, so 64 decoys, one more, then the probe of another
     * VM's share made a record saying the 65th decoy's share was asked twice, and none named the probed one. A summary
     * may say the details varied, never claim one share for requests that named another.
     */
    @Test
    void aSummaryPastTheBudgetNamesNoShareItsRequestsDidNotAllAsk() throws Exception {
        SignedLogs logs;
        Map<String, Long> asked = new TreeMap<>();
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp, AuditFloodAttackTest::hourlyBudget);
                P9Client alpha = rig.alpha()) {
            logs = rig.logs;
            for (int i = 0; i <= 64; i++) { // 64 kinds written one by one, the 65th opens the class's summary
                String decoy = "decoy" + i;
                refusedEnoent(() -> alpha.attach(5, "root", decoy, 0));
                asked.merge(decoy, 1L, Long::sum);
            }
            refusedEnoent(() -> alpha.attach(6, "root", "other", 0)); // beta's share
            asked.merge("other", 1L, Long::sum);
        }
        long counted = 0;
        for (AuditRecord r : logs.records()) {
            if (r.isDecision() && "alpha".equals(r.vm()) && "attach".equals(r.op()) && "deny".equals(r.decision())) {
                counted += r.requests();
                String share = shareWord(r.detail());
                if (asked.containsKey(share)) {
                    assertTrue(
                            r.requests() <= asked.get(share),
                            "a record of " + r.requests() + " attaches of " + share + ", which was asked "
                                    + asked.get(share) + " time(s): " + r.detail());
                }
            }
        }
        assertEquals(66, counted, "every refused attach counted");
    }

    /** The {@code share=} word of a decision's detail ({@code action=attach share=NAME ...}). */
    private static String shareWord(String detail) {
        for (String word : detail.split(" ")) {
            if (word.startsWith("share=")) {
                return word.substring("share=".length());
            }
        }
        return "(none in " + detail + ")";
    }

    private static void refusedEnoent(Executable request) {
        P9Exception refused = assertThrows(P9Exception.class, request);
        assertEquals(Errno.ENOENT, refused.errno());
    }
}
