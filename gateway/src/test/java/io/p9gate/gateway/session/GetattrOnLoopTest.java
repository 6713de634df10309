package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A request the handler calls quick (here Tgetattr, as {@link FakeHandler} says; which ones the real handler
 * calls quick: QuickRequestsTest) with nothing else of its connection in flight is served on the event loop when
 * the loop serves its VM alone (issue 11: no thread hand-off for a lone stat); everything else, and any quick
 * request on loops VMs share, goes to the VM's lane. The lane here only queues, so what reached it has visibly not
 * run yet.
 */
class GetattrOnLoopTest {
    private static final int MSIZE = 8192;
    private final HeldLane lane = new HeldLane(VmBudget.unlimited("test"));

    /** Runs what the lane was given, as its workers would, and the replies they hand back to the loop. */
    private void runQueued(EmbeddedSession s) {
        lane.runAll();
        s.channel.runPendingTasks();
    }

    private EmbeddedSession attached(boolean ownLoops) throws Exception {
        EmbeddedSession s = new EmbeddedSession(MSIZE, lane, ownLoops);
        s.negotiate(MSIZE);
        runQueued(s);
        s.send(1, new TMessage.Tattach(0, TMessage.NOFID, "u", "", 0));
        runQueued(s);
        assertEquals(2, s.replies().size(), "Rversion and Rattach");
        return s;
    }

    @Test
    void aLoneTgetattrOnAVmsOwnLoopIsAnsweredWithoutAWorker() throws Exception {
        try (EmbeddedSession s = attached(true)) {
            s.send(2, new TMessage.Tgetattr(0, 0x7ff));
            assertEquals(0, lane.waiting(), "nothing for the workers");
            List<Frame> replies = s.replies();
            assertEquals(1, replies.size());
            assertEquals(2, replies.getFirst().tag());
            assertInstanceOf(RMessage.Rgetattr.class, replies.getFirst().body());
            assertEquals(List.of(), s.escaped);
        }
    }

    @Test
    void onLoopsVmsShareATgetattrGoesToTheWorkers() throws Exception {
        try (EmbeddedSession s = attached(false)) {
            s.send(2, new TMessage.Tgetattr(0, 0x7ff));
            assertEquals(1, lane.waiting());
            assertEquals(List.of(), s.replies(), "not answered before a worker ran it");
            runQueued(s);
            assertInstanceOf(RMessage.Rgetattr.class, s.replies().getFirst().body());
        }
    }

    @Test
    void behindARequestInFlightATgetattrGoesToTheWorkersAndOtherRequestsAlways() throws Exception {
        try (EmbeddedSession s = attached(true)) {
            s.send(2, new TMessage.Tstatfs(0));
            assertEquals(1, lane.waiting(), "a request the handler does not call quick goes to the lane");
            s.send(3, new TMessage.Tgetattr(0, 0x7ff));
            assertEquals(2, lane.waiting(), "the Tstatfs is in flight: the workers serve both, in parallel");
            runQueued(s);
            assertEquals(List.of(2, 3), s.replies().stream().map(Frame::tag).toList());
        }
    }
}
