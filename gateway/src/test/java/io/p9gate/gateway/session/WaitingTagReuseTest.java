package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A request that waits in the session's backlog (its VM at its outstanding budget) is outstanding for 9P: its tag
 * taken again by a frame the session answers at once (a Tflush, a malformed body) is a tag reused while outstanding
 * and closes the connection, as it does once the request runs. Before, the second frame was answered with that
 * tag, and the waiting request later too: two replies for one tag, whichever the client matches.
 */
class WaitingTagReuseTest {
    private static final long LOTS = 1_000_000;

    private static EmbeddedSession waitingWithTag2(HeldLane lane) throws Exception {
        EmbeddedSession s = new EmbeddedSession(65536, lane);
        s.negotiate(8192);
        lane.runAll();
        assertInstanceOf(RMessage.Rversion.class, s.replies().getFirst().body());
        s.send(1, new TMessage.Tgetattr(0, 0x7ff)); // admitted, held by the lane
        s.send(2, new TMessage.Tgetattr(0, 0x7ff)); // waits for its VM
        assertEquals(List.of(), s.replies());
        return s;
    }

    private static HeldLane lane() {
        return new HeldLane(new VmBudget("vm", new Limits(LOTS, 1, LOTS, LOTS, LOTS, LOTS, LOTS, 1), null));
    }

    @Test
    void aTflushTakingTheTagOfAWaitingRequestClosesTheConnection() throws Exception {
        HeldLane lane = lane();
        try (EmbeddedSession s = waitingWithTag2(lane)) {
            s.send(2, new TMessage.Tflush(77));
            lane.runAll();
            s.channel.runPendingTasks();
            lane.runAll();
            s.channel.runPendingTasks();
            List<Integer> tags = s.replies().stream().map(Frame::tag).toList();
            assertTrue(tags.stream().filter(t -> t == 2).count() <= 1, "tag 2 answered twice: " + tags);
            assertFalse(s.channel.isOpen(), "a tag reused while outstanding closes the connection");
        }
    }

    @Test
    void aMalformedFrameTakingTheTagOfAWaitingRequestClosesTheConnection() throws Exception {
        HeldLane lane = lane();
        try (EmbeddedSession s = waitingWithTag2(lane)) {
            ByteBuf bad = Unpooled.buffer(); // Tclunk with a trailing byte
            bad.writeIntLE(12).writeByte(120).writeShortLE(2).writeIntLE(1).writeByte(0);
            s.feed(bad);
            lane.runAll();
            s.channel.runPendingTasks();
            lane.runAll();
            s.channel.runPendingTasks();
            List<Integer> tags = s.replies().stream().map(Frame::tag).toList();
            assertTrue(tags.stream().filter(t -> t == 2).count() <= 1, "tag 2 answered twice: " + tags);
            assertFalse(s.channel.isOpen(), "a tag reused while outstanding closes the connection");
        }
    }
}
