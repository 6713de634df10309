package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.budget.Admission;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.GatewayConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * R-ROB-2, resource bounds round 8: replies answered without admission (Rflush of a Tflush of a free tag, Rlerror of
 * a request type 9P2000.L has not, of a truncated frame) count against the VM's {@code reply-bytes} budget, and a VM
 * over it stops being read on every connection. Before, each connection was held back only by its own high-water
 * mark (4 x msize of pending bytes, about 41,000 small replies): a VM that flooded {@value #CONNECTIONS} connections
 * with Tflushes and never read made the gateway hold 106 MiB of heap and direct memory (806 MiB with the default 64
 * connections), 32 MiB charged to a budget of {@value #REPLY_BYTES} bytes.
 */
class UnadmittedReplyFloodAttackTest {
    private static final int MSIZE = GatewayConfig.DEFAULT_MSIZE;
    private static final long CONNECTIONS = 8;
    private static final long OUTSTANDING = 4;
    private static final long REPLY_BYTES = 512 * 1024;
    private static final long LOTS = 1 << 20;
    private static final long SLACK_MIB = 16;
    /** Requests per write, about one read of the gateway's. */
    private static final int BATCH = 7000;
    /** The tag every Tflush names: never in use. */
    private static final int FREE_TAG = 65000;

    @TempDir
    Path tmp;

    /** Requests the gateway answers at once, without a worker. */
    enum Cheap {
        FLUSH_OF_A_FREE_TAG,
        UNSUPPORTED_TYPE,
        TRUNCATED_FRAME;

        ByteBuffer encoded(int tag) {
            return switch (this) {
                case FLUSH_OF_A_FREE_TAG -> UnreadConnection.encoded(tag, new TMessage.Tflush(FREE_TAG));
                case UNSUPPORTED_TYPE -> header(7, 0, tag); // type 0: no 9P request
                case TRUNCATED_FRAME ->
                    header(8, MessageType.TFLUSH.code(), tag).put(7, (byte) 0); // oldtag cut
            };
        }

        private static ByteBuffer header(int size, int type, int tag) {
            ByteBuffer frame = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
            return frame.putInt(size).put((byte) type).putShort((short) tag).position(0);
        }
    }

    @ParameterizedTest
    @EnumSource(Cheap.class)
    void cheapRepliesLeftUnreadOnEveryConnectionHoldNoMoreThanTheReplyBudget(Cheap cheap) throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        SignedLogs logs = SignedLogs.in(tmp);
        SignedAuditTrail trail = logs.open();
        Limits limits = new Limits(CONNECTIONS, OUTSTANDING, LOTS, LOTS, LOTS, LOTS, REPLY_BYTES, 1);
        // What serve promises for a VM's frames (Budgets): its reply budget, twice msize per request in service and
        // per connection.
        long bound = REPLY_BYTES + (OUTSTANDING + CONNECTIONS) * 2L * MSIZE;
        long before;
        long held;
        long charged;
        try (BudgetedAlphaGateway gateway = BudgetedAlphaGateway.start(fx, trail, limits)) {
            BudgetedAlphaGateway.betaReads(fx);
            before = ProcessMemory.heldHeapAndDirect();
            Admission alpha = gateway.alpha.admission();
            try (UnreadFlood flood = UnreadFlood.open(fx.alphaSocket, CONNECTIONS, MSIZE)) {
                int cut = flood.untilUnread(n -> batchOf(cheap, n), 6000);
                assertEquals(0, cut, "connections the gateway closed");
                charged = alpha.queuedReplyBytes();
                BudgetedAlphaGateway.betaReads(fx);
                held = ProcessMemory.heldHeapAndDirect() - before;
            }
            gateway.assertAlphaHoldsNothing();
            BudgetedAlphaGateway.betaReads(fx);
        }
        trail.close();
        System.out.printf(
                cheap + " left unread: %d KiB charged to alpha, %d KiB of heap and direct memory held; bound %d KiB%n",
                charged >> 10,
                held >> 10,
                bound >> 10);
        assertTrue(charged <= bound, "alpha's unread replies: " + (charged >> 10) + " KiB, bound " + (bound >> 10));
        assertTrue(
                held <= bound + (SLACK_MIB << 20),
                "alpha held " + (held >> 10) + " KiB of heap and direct memory, bound " + (bound >> 10) + " KiB plus "
                        + SLACK_MIB + " MiB of slack");
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    /**
     * {@value #BATCH} of {@code cheap}, each under its own tag, the {@code n}th batch's tags following the one before's
     * (below {@value #FREE_TAG}, wrapping): a tag comes back only after nine batches.
     */
    private static ByteBuffer batchOf(Cheap cheap, int n) {
        ByteBuffer all = ByteBuffer.allocate(BATCH * 9);
        for (int i = 0; i < BATCH; i++) {
            all.put(cheap.encoded(1 + (int) (((long) n * BATCH + i) % (FREE_TAG - 1))));
        }
        return all.flip();
    }
}
