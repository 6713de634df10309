package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * R-ROB-2 at the session: one VM's outstanding requests and unread replies are limited across all of its
 * connections, not per connection. A connection of a VM at its budget stops reading and is served again when
 * another connection of the same VM frees room; the Tflush rules still hold while it waits.
 */
class VmAdmissionTest {
    private static final int MAX = 65536;
    private static final int MSIZE = 8192;
    private static final long LOTS = 1_000_000;

    private EmbeddedSession negotiated(HeldLane lane) throws Exception {
        EmbeddedSession s = new EmbeddedSession(MAX, lane);
        s.negotiate(MSIZE);
        lane.runAll();
        assertInstanceOf(RMessage.Rversion.class, s.replies().getFirst().body());
        return s;
    }

    private static VmBudget vm(long outstanding, long replyBytes) {
        return new VmBudget("vm", new Limits(LOTS, outstanding, LOTS, LOTS, LOTS, LOTS, replyBytes, 1), null);
    }

    private static TMessage.Tgetattr getattr() {
        return new TMessage.Tgetattr(0, 0x7ff);
    }

    @Test
    void aVmsOutstandingBudgetCountsAllItsConnections() throws Exception {
        VmBudget vm = vm(2, LOTS);
        HeldLane lane = new HeldLane(vm);
        try (EmbeddedSession one = negotiated(lane);
                EmbeddedSession two = negotiated(lane)) {
            one.send(1, getattr());
            one.send(2, getattr());
            two.send(1, getattr());
            two.send(2, getattr());
            assertEquals(2, lane.waiting(), "only the VM's two requests of its budget were handed to workers");
            assertFalse(two.channel.config().isAutoRead(), "the waiting connection stopped reading");
            assertEquals(List.of(), two.replies());

            lane.runOne(); // one of connection one's requests finishes: room for connection two
            one.channel.runPendingTasks();
            two.channel.runPendingTasks();
            assertEquals(2, lane.waiting(), "connection two's first request is served in its turn");
            lane.runAll();
            one.channel.runPendingTasks();
            two.channel.runPendingTasks();
            lane.runAll();
            assertEquals(2, one.replies().size());
            assertEquals(List.of(1, 2), two.replies().stream().map(Frame::tag).toList());
            assertTrue(two.channel.config().isAutoRead(), "reading resumes");
            assertEquals(0, vm.admission().serving());
        }
    }

    @Test
    void aRequestWaitingForItsVmIsFlushedLikeAnyNotStartedRequest() throws Exception {
        VmBudget vm = vm(1, LOTS);
        HeldLane lane = new HeldLane(vm);
        try (EmbeddedSession one = negotiated(lane);
                EmbeddedSession two = negotiated(lane)) {
            one.send(1, getattr());
            two.send(1, getattr());
            two.send(2, new TMessage.Tflush(1));
            assertEquals(
                    List.of(2),
                    two.replies().stream().map(Frame::tag).toList(),
                    "never started, so dropped without a reply; Rflush at once");
            lane.runAll();
            two.channel.runPendingTasks();
            assertEquals(List.of(), two.replies());
            assertEquals(1, one.replies().size());
            assertTrue(two.channel.config().isAutoRead());
        }
    }

    @Test
    void repliesLeftUnreadOnOneConnectionHoldBackTheVmsOtherConnections() throws Exception {
        VmBudget vm = vm(LOTS, 1000);
        HeldLane lane = new HeldLane(vm);
        UnreadingPeer peer = new UnreadingPeer();
        try (EmbeddedSession one = negotiated(lane);
                EmbeddedSession two = negotiated(lane)) {
            one.channel.pipeline().addFirst("unreading-peer", peer);
            one.send(1, new TMessage.Treadlink(0)); // a 5,000-byte reply, left unread
            lane.runAll();
            one.channel.runPendingTasks();
            assertTrue(
                    vm.admission().queuedReplyBytes() > 1000,
                    "queued " + vm.admission().queuedReplyBytes());

            two.send(1, getattr());
            assertEquals(0, lane.waiting(), "nothing more of this VM is served while its replies are unread");

            peer.startReading(one.channel.pipeline().context(peer));
            two.channel.runPendingTasks();
            lane.runAll();
            assertEquals(1, two.replies().size(), "served once the VM reads its replies");
            assertEquals(0, vm.admission().queuedReplyBytes());
        }
    }
}
