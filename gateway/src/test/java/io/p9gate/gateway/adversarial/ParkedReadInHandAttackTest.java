package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.budget.Admission;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * R-ROB-2, resource bounds round 10: a connection parked because its VM is over its {@code reply-bytes} budget
 * answers no more frames of the read it has in hand. Before, it still decoded and answered every frame of that read
 * (a 64 KiB read is 7,281 Tflushes of a free tag): a VM flooding its {@value #CONNECTIONS} connections, never
 * reading, had 270 KiB charged for a {@value #REPLY_BYTES}-byte budget (msize 64 KiB), and at msize 4 and 8 KiB its
 * connections were cut for replies left unread. Now the budget plus one reply per connection.
 *
 * <p>Resource bounds round 12: what each parked connection keeps of its read in hand is within the two frames per
 * connection serve promises. Reads were Netty's adaptive size, up to 64 KiB whatever the msize: 64 connections parked
 * with a full pipeline held 4.7-6.1 MiB undecoded at msize 4 KiB, against 512 KiB promised for them.
 */
class ParkedReadInHandAttackTest {
    private static final long CONNECTIONS = 64;
    private static final long OUTSTANDING = 4;
    private static final long REPLY_BYTES = 64 * 1024;
    private static final long LOTS = 1 << 20;
    /** The largest buffer an Rflush or a short Rlerror is charged for. */
    private static final long SMALL_REPLY_BUFFER = 128;
    /** Of the process's memory, which its pools grow by in steps (the read each connection has in hand, too). */
    private static final long SLACK_MIB = 16;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(ints = {4096, 8192, 65536})
    void aParkedConnectionAnswersNoMoreOfTheReadInHand(int msize) throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        SignedLogs logs = SignedLogs.in(tmp);
        SignedAuditTrail trail = logs.open();
        Limits limits = new Limits(CONNECTIONS, OUTSTANDING, LOTS, LOTS, LOTS, LOTS, REPLY_BYTES, 1);
        // What serve promises for a VM's frames (Budgets): its reply budget, twice msize per request in service and
        // per connection.
        long bound = REPLY_BYTES + (OUTSTANDING + CONNECTIONS) * 2L * msize;
        long before;
        long held;
        long charged;
        long inHand;
        int closed = 0;
        try (BudgetedAlphaGateway gateway = BudgetedAlphaGateway.start(fx, trail, limits, msize)) {
            BudgetedAlphaGateway.betaReads(fx);
            before = ProcessMemory.heldHeapAndDirect();
            Admission alpha = gateway.alpha.admission();
            try (UnreadFlood flood = UnreadFlood.open(fx.alphaSocket, CONNECTIONS, msize)) {
                closed = flood.untilUnread(UnreadFlood::flushes, 3000);
                charged = alpha.queuedReplyBytes();
                inHand = gateway.bytesInHand();
                BudgetedAlphaGateway.betaReads(fx);
                held = ProcessMemory.heldHeapAndDirect() - before;
            }
            gateway.assertAlphaHoldsNothing();
            BudgetedAlphaGateway.betaReads(fx);
        }
        trail.close();
        System.out.printf(
                "msize %d: %d KiB charged to alpha, %d KiB of reads in hand, %d KiB of heap and direct memory held (%d"
                        + " connections cut); bound %d KiB%n",
                msize, charged >> 10, inHand >> 10, held >> 10, closed, bound >> 10);
        // Each connection writes at most the one reply that finds its VM at the budget, then answers nothing more.
        long parkedAtBudget = REPLY_BYTES + CONNECTIONS * SMALL_REPLY_BUFFER;
        assertTrue(
                charged <= parkedAtBudget,
                "alpha's unread replies: " + charged + " bytes, budget and one reply per connection " + parkedAtBudget);
        long twoFramesEach = CONNECTIONS * 2L * msize;
        assertTrue(
                inHand <= twoFramesEach,
                "alpha's parked connections hold " + (inHand >> 10) + " KiB of reads not yet decoded, two frames each "
                        + (twoFramesEach >> 10) + " KiB");
        assertTrue(
                held <= bound + (SLACK_MIB << 20),
                "alpha held " + (held >> 10) + " KiB of heap and direct memory, bound " + (bound >> 10) + " KiB plus "
                        + SLACK_MIB + " MiB of slack");
    }
}
