package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tflush of a Tflush (flush(5): a flush may itself be flushed) chained over the whole tag space: the Rflushes of the
 * chain follow the flushed request's reply in order, and answering them must not recurse once per link (a guest
 * chaining 65,535 flushes overflowed the event loop's stack, leaving the connection's other flushes unanswered and
 * its handler never closed). A waiting Tflush is an outstanding tag: the chain waits for the reply only up to the
 * connection's cap; the next link waits in the backlog, where the one after it flushes it, answered at once, and so
 * on (adversarial.WaitingFlushChainAttackTest: uncapped, 65,533 waiting links held about 8 MiB a connection).
 */
class FlushChainTest {
    @Test
    void aChainOfFlushesOverTheWholeTagSpaceIsAnsweredInOrder() throws Exception {
        HeldLane lane = new HeldLane(VmBudget.unlimited("test"));
        try (EmbeddedSession s = new EmbeddedSession(1 << 20, lane)) {
            s.negotiate(1 << 20);
            lane.runAll();
            assertInstanceOf(RMessage.Rversion.class, s.replies().getFirst().body());

            s.send(0, new TMessage.Tgetattr(0, 0x7ff)); // handed to a worker, not run yet
            int last = 0xfffe; // every tag but NOTAG
            ByteBuf chain = Unpooled.buffer();
            for (int tag = 1; tag <= last; tag++) {
                ByteBuf one = EmbeddedSession.encode(new Frame(tag, new TMessage.Tflush(tag - 1)));
                chain.writeBytes(one);
                one.release();
            }
            s.feed(chain);
            int cap = SessionSettings.DEFAULT_MAX_OUTSTANDING; // the Tgetattr and cap - 1 waiting links
            List<Frame> early = s.replies();
            assertEquals(last - cap, early.size(), "past the cap, each link flushes the one waiting in the backlog");
            for (int i = 0; i < early.size(); i++) {
                assertEquals(cap + 1 + i, early.get(i).tag(), "answered at once, in order");
            }
            assertTrue(early.stream().allMatch(f -> f.body() instanceof RMessage.Rflush));

            lane.runAll();
            s.channel.runPendingTasks();
            List<Frame> replies = s.replies();
            assertEquals(cap, replies.size(), "the request, then the links that waited for it; the one flushed none");
            for (int tag = 0; tag < cap; tag++) {
                assertEquals(tag, replies.get(tag).tag(), "the chain is answered in order");
            }
            assertTrue(replies.stream().skip(1).allMatch(f -> f.body() instanceof RMessage.Rflush));
            assertEquals(List.of(), s.escaped);
            assertTrue(s.channel.isOpen());
        }
    }
}
