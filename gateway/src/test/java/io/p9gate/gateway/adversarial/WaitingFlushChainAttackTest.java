package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.backend.FileIo;
import io.p9gate.gateway.budget.Admission;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * R-ROB-2, resource bounds round 15: Tflushes waiting for a request the host still serves. A Tflush of an outstanding
 * tag is answered only after that request's reply, so the gateway remembers it until then; and a Tflush is itself
 * outstanding, so the next one may name it. A VM whose request the host holds (a hung mount, a file lease, a reload's
 * quota scan holding its changes back) chained a Tflush of each tag to the one before, 65,533 a connection, read at
 * once since a Tflush needs no admission: remembered on the heap, counted nowhere, then answered in one burst of
 * Rflushes past its {@code reply-bytes} budget once the request ended. A connection's waiting Tflushes are
 * outstanding tags like its requests: past the connection's cap they wait in its backlog, unread, as a request does.
 */
class WaitingFlushChainAttackTest {
    private static final int MSIZE = 64 * 1024;
    private static final long CONNECTIONS = 8;
    private static final long OUTSTANDING = 8;
    private static final long REPLY_BYTES = 512 * 1024;
    private static final long LOTS = 1 << 20;
    private static final long SLACK_MIB = 16;
    /** Frames per write, about one read of the gateway's. */
    private static final int BATCH = 7000;
    /** The Tsetattr the host holds (tag 1), then a Tflush of each tag before, up to the last tag there is. */
    private static final int CHAIN = 65534;

    @TempDir
    Path tmp;

    @AfterEach
    void noHook() {
        FileIo.whileWriting(null, null);
    }

    /** Whom each Tflush after the Tsetattr names. */
    enum Shape {
        /** The tag before it: each Tflush waits for the one before. */
        CHAIN,
        /** The Tsetattr: every Tflush waits for it (past the cap, the read in hand waits decoded in the backlog). */
        FAN;

        int oldTag(int tag) {
            return this == CHAIN ? tag - 1 : 1;
        }
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void flushesWaitingForARequestTheHostHoldsAreBoundedAndTheirRepliesWithinTheBudget(Shape shape) throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        SignedLogs logs = SignedLogs.in(tmp);
        SignedAuditTrail trail = logs.open();
        Limits limits = new Limits(CONNECTIONS, OUTSTANDING, LOTS, LOTS, LOTS, LOTS, REPLY_BYTES, 1);
        // What serve promises for a VM's frames (Budgets): its reply budget, twice msize per request in service and
        // per connection.
        long bound = REPLY_BYTES + (OUTSTANDING + CONNECTIONS) * 2L * MSIZE;
        CountDownLatch hostHolds = new CountDownLatch(1);
        AtomicInteger held = new AtomicInteger();
        long heldWhileWaiting;
        long chargedWhileWaiting;
        long chargedAfter;
        long heldAfter;
        int cut;
        try (BudgetedAlphaGateway gateway = BudgetedAlphaGateway.start(fx, trail, limits, MSIZE)) {
            TMessage attach = new TMessage.Tattach(0, TMessage.NOFID, "alpha", "data", 0);
            TMessage walk = new TMessage.Twalk(0, 1, List.of("notes.txt"));
            Admission alpha = gateway.alpha.admission();
            long before = ProcessMemory.heldHeapAndDirect();
            try (UnreadFlood flood = UnreadFlood.open(fx.alphaSocket, CONNECTIONS, MSIZE, attach, walk)) {
                FileIo.whileWriting(
                        () -> {
                            held.incrementAndGet();
                            try {
                                hostHolds.await(120, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        () -> {});
                cut = flood.untilUnread(n -> frames(shape, n), 6000);
                chargedWhileWaiting = alpha.queuedReplyBytes();
                heldWhileWaiting = ProcessMemory.heldHeapAndDirect() - before;
                assertTrue(held.get() > 0, "no Tsetattr reached the host");
                hostHolds.countDown();
                for (int i = 0; i < 6000 && alpha.serving() > 0; i++) {
                    Thread.sleep(10);
                }
                chargedAfter = alpha.queuedReplyBytes();
                heldAfter = ProcessMemory.heldHeapAndDirect() - before;
            }
            gateway.assertAlphaHoldsNothing();
            BudgetedAlphaGateway.betaReads(fx);
        }
        trail.close();
        System.out.printf(
                shape + " on %d connections (%d cut): %d KiB of heap and direct memory held while the host held"
                        + " the request, %d KiB charged; after it: %d KiB charged, %d KiB held; bound %d KiB%n",
                CONNECTIONS,
                cut,
                heldWhileWaiting >> 10,
                chargedWhileWaiting >> 10,
                chargedAfter >> 10,
                heldAfter >> 10,
                bound >> 10);
        assertEquals(0, cut, "connections the gateway closed");
        assertTrue(
                heldWhileWaiting <= bound + (SLACK_MIB << 20),
                "alpha held " + (heldWhileWaiting >> 10)
                        + " KiB of heap and direct memory with Tflushes waiting, bound " + (bound >> 10) + " KiB plus "
                        + SLACK_MIB + " MiB of slack");
        assertTrue(
                chargedAfter <= bound,
                "alpha's unread Rflushes: " + (chargedAfter >> 10) + " KiB charged, bound " + (bound >> 10) + " KiB");
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    /**
     * The {@code n}th {@value #BATCH} frames of a connection: first a Tsetattr of the file's size (tag 1), which the host
     * holds, then a Tflush under each tag, of the tag {@code shape} names; empty past the last tag.
     */
    private static ByteBuffer frames(Shape shape, int n) {
        int from = n * BATCH;
        int to = Math.min(CHAIN, from + BATCH);
        ByteBuffer all = ByteBuffer.allocate(Math.max(0, to - from) * 9 + 64);
        for (int i = from; i < to; i++) {
            all.put(
                    i == 0
                            ? UnreadConnection.encoded(
                                    1,
                                    new TMessage.Tsetattr(
                                            1, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, 100, 0, 0, 0, 0)))
                            : UnreadConnection.encoded(i + 1, new TMessage.Tflush(shape.oldTag(i + 1))));
        }
        return all.flip();
    }
}
