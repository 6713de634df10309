package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.Admission;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * R-ROB-2, resource bounds round 9: a connection parked because its VM is over its {@code reply-bytes} budget (by a
 * reply answered without admission, or by a read the read gate withheld) wakes when the VM's replies drain on
 * another connection, and one that closes while parked leaves no wake behind in its VM's {@link Admission}.
 */
class ParkedConnectionLivenessTest {
    private static final int MAX = 65536;
    private static final int MSIZE = 8192;
    private static final long LOTS = 1_000_000;
    private static final int CLOSED_WHILE_PARKED = 10_000;

    private static VmBudget vm(long replyBytes) {
        return new VmBudget("vm", new Limits(LOTS, LOTS, LOTS, LOTS, LOTS, LOTS, replyBytes, 1), null);
    }

    private static EmbeddedSession negotiated(HeldLane lane) throws Exception {
        EmbeddedSession s = new EmbeddedSession(MAX, lane);
        s.negotiate(MSIZE);
        lane.runAll();
        s.channel.runPendingTasks();
        assertInstanceOf(RMessage.Rversion.class, s.replies().getFirst().body());
        return s;
    }

    /** Connection {@code holder} of {@code lane}'s VM with a 5,000-byte reply its peer leaves unread. */
    private static void overBudget(EmbeddedSession holder, UnreadingPeer peer, HeldLane lane, VmBudget vm) {
        holder.channel.pipeline().addFirst("unreading-peer", peer);
        holder.send(1, new TMessage.Treadlink(0));
        lane.runAll();
        holder.channel.runPendingTasks();
        assertTrue(
                vm.admission().queuedReplyBytes() > 1000,
                "queued " + vm.admission().queuedReplyBytes());
    }

    @Test
    void aConnectionParkedByAnRflushWakesWhenTheVmsRepliesDrainOnAnother() throws Exception {
        VmBudget vm = vm(1000);
        HeldLane lane = new HeldLane(vm);
        UnreadingPeer peer = new UnreadingPeer();
        try (EmbeddedSession holder = negotiated(lane);
                EmbeddedSession flusher = negotiated(lane)) {
            overBudget(holder, peer, lane, vm);
            flusher.send(1, new TMessage.Tflush(7)); // a free tag: answered at once, without admission
            flusher.channel.runPendingTasks();
            assertEquals(List.of(1), flusher.replies().stream().map(Frame::tag).toList());
            assertFalse(flusher.channel.config().isAutoRead(), "the VM is over its budget: not read");

            peer.startReading(holder.channel.pipeline().context(peer));
            holder.channel.runPendingTasks();
            flusher.channel.runPendingTasks();
            assertTrue(flusher.channel.config().isAutoRead(), "reading resumes once the replies drained");
            flusher.send(2, new TMessage.Tgetattr(0, 0x7ff));
            lane.runAll();
            flusher.channel.runPendingTasks();
            assertEquals(List.of(2), flusher.replies().stream().map(Frame::tag).toList(), "and it is served");
            assertEquals(0, vm.admission().parked());
        }
    }

    @Test
    void connectionsClosedWhileParkedLeaveNoWakeBehind() throws Exception {
        VmBudget vm = vm(1000);
        HeldLane lane = new HeldLane(vm);
        UnreadingPeer peer = new UnreadingPeer();
        Admission admission = vm.admission();
        try (EmbeddedSession holder = negotiated(lane)) {
            overBudget(holder, peer, lane, vm);
            int before = admission.parked();
            int mostParked = 0;
            for (int i = 0; i < CLOSED_WHILE_PARKED; i++) {
                EmbeddedSession parked = new EmbeddedSession(MAX, lane);
                parked.negotiate(MSIZE); // Rversion needs no admission either: written over budget, it parks
                lane.runAll();
                parked.channel.runPendingTasks();
                parked.send(1, new TMessage.Tflush(7));
                parked.channel.read(); // what a TLS engine asks for by itself: the read gate parks too
                mostParked = Math.max(mostParked, admission.parked());
                parked.close();
            }
            assertTrue(mostParked > before, "the connections parked: " + before + " then " + mostParked);
            assertEquals(before, admission.parked(), "wakes left by " + CLOSED_WHILE_PARKED + " closed connections");

            peer.startReading(holder.channel.pipeline().context(peer));
            holder.channel.runPendingTasks();
            assertEquals(0, admission.parked(), "the holder's own wake ran once its replies drained");
        }
    }
}
