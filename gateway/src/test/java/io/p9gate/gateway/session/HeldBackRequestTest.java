package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.TMessage.FileRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/**
 * A request {@link RequestHandler#starting} holds back (a reload scans its VM's quota scopes) keeps its tag and its
 * VM's admission while it waits without a thread: a Tflush or a drain answers it at once, and it never starts after;
 * a handler whose start fails (a bug) still answers the request and gives back its tag and admission.
 */
class HeldBackRequestTest {
    private static final int MSIZE = 8192;
    private static final long LOTS = 1_000_000;

    private final VmBudget vm = new VmBudget("vm", new Limits(LOTS, 4, LOTS, LOTS, LOTS, LOTS, LOTS, 1), null);
    private final HeldLane lane = new HeldLane(vm);
    private final Scanning handlers = new Scanning();

    @Test
    void aFlushOfAHeldBackRequestIsAnsweredAtOnceAndTheRequestNeverStarts() throws Exception {
        flushOfAHeldBackRequest(true);
    }

    /** The Tflush read before the event loop learnt that the worker gave the request back. */
    @Test
    void aFlushComingBeforeTheLoopKnowsTheRequestHeldBackIsAnsweredAtOnceToo() throws Exception {
        flushOfAHeldBackRequest(false);
    }

    private void flushOfAHeldBackRequest(boolean loopKnows) throws Exception {
        try (EmbeddedSession s = negotiated(false)) {
            handlers.scanning = true;
            s.send(1, write());
            lane.runAll();
            assertEquals(1, handlers.later.size(), "held back by the scan");
            if (loopKnows) {
                s.channel.runPendingTasks();
            }

            s.send(2, new TMessage.Tflush(1));
            assertEquals(List.of(2), tags(s.replies()), "Rflush at once, no reply to the flushed request");
            assertEquals(1, vm.admission().serving(), "its admission kept until the scan calls it back");

            handlers.scanEnds();
            s.channel.runPendingTasks();
            lane.runAll();
            s.channel.runPendingTasks();
            assertEquals(0, vm.admission().serving(), "its admission given back");
            assertEquals(List.of(), s.replies(), "answered once");
            assertEquals(0, handlers.fakes.writeBuffers.size(), "the flushed request never ran");

            s.send(1, new TMessage.Tgetattr(0, 0x7ff)); // the tag is free again
            lane.runAll();
            assertEquals(List.of(1), tags(s.replies()));
            assertTrue(s.channel.isOpen());
            assertEquals(List.of(), s.escaped);
        }
    }

    /**
     * Red team (reader44b): a VM flushing each write its scan holds back got the write's tag and admission back at
     * once while the write's callback stayed with the scan, so write + Tflush in a loop queued callbacks (and their
     * requests) on the heap without bound for as long as the scan ran, then ran them all on the reload's thread. A
     * flushed request now keeps its admission until the scan calls it back: at most the VM's admission of them.
     */
    @Test
    void flushingHeldBackRequestsInALoopQueuesNoMoreThanTheVmsAdmission() throws Exception {
        try (EmbeddedSession s = negotiated(false)) {
            handlers.scanning = true;
            for (int i = 0; i < 1000; i++) {
                s.send(1, write());
                lane.runAll();
                s.channel.runPendingTasks();
                s.send(2, new TMessage.Tflush(1));
                s.channel.runPendingTasks();
                s.replies();
            }
            assertTrue(handlers.later.size() <= 4, "callbacks left with the scan: " + handlers.later.size());

            handlers.scanEnds();
            s.channel.runPendingTasks();
            lane.runAll();
            s.channel.runPendingTasks();
            assertEquals(0, vm.admission().serving(), "every admission given back");
            assertEquals(0, handlers.fakes.writeBuffers.size(), "no flushed write ran");
            assertTrue(s.channel.isOpen());
            assertEquals(List.of(), s.escaped);
        }
    }

    /**
     * Red team (reader44b): at the connection's cap a Tflush that must wait for a reply waits in the backlog; one
     * naming a request the scan holds back was taken for such, so the guest's Ctrl-C waited for the scan's end.
     */
    @Test
    void aFlushOfAHeldBackRequestAtTheCapIsAnsweredAtOnce() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(1 << 20, lane, false, "", handlers, 1)) {
            s.negotiate(MSIZE);
            lane.runAll();
            s.replies();
            handlers.scanning = true;
            s.send(1, write());
            lane.runAll();
            s.channel.runPendingTasks();

            s.send(2, new TMessage.Tflush(1));
            s.channel.runPendingTasks();
            assertEquals(List.of(2), tags(s.replies()), "Rflush at once, not after the scan");
            handlers.scanEnds();
            s.channel.runPendingTasks();
            lane.runAll();
            s.channel.runPendingTasks();
            assertEquals(List.of(), s.replies(), "the flushed write never answered");
            assertEquals(0, handlers.fakes.writeBuffers.size(), "never ran");
            assertEquals(0, vm.admission().serving());
        }
    }

    @Test
    void aHeldBackRequestGoesOnOnceTheScanEnds() throws Exception {
        try (EmbeddedSession s = negotiated(false)) {
            handlers.scanning = true;
            s.send(1, write());
            lane.runAll();
            assertEquals(List.of(), s.replies());
            handlers.scanEnds();
            s.channel.runPendingTasks();
            lane.runAll();
            List<Frame> replies = s.replies();
            assertEquals(List.of(1), tags(replies));
            assertInstanceOf(RMessage.Rwrite.class, replies.getFirst().body());
            assertEquals(0, vm.admission().serving());
        }
    }

    @Test
    void aDrainAnswersAHeldBackRequestAtOnce() throws Exception {
        try (EmbeddedSession s = negotiated(false)) {
            handlers.scanning = true;
            s.send(1, write());
            lane.runAll();

            s.channel.pipeline().get(Session.class).drain(s.channel);
            s.channel.runPendingTasks();
            List<Frame> replies = s.replies();
            assertEquals(List.of(1), tags(replies), "answered by the drain, not after the scan");
            assertEquals(Errno.EIO, ((RMessage.Rlerror) replies.getFirst().body()).errno());
            assertFalse(s.channel.isOpen(), "the drained connection closes");
            lane.runAll();
            assertEquals(1, handlers.fakes.closes.get(), "its handler closed");
            assertEquals(1, vm.admission().serving(), "kept until the scan calls it back");

            handlers.scanEnds(); // the event loop may be gone by then: nothing is left to do but give it back
            s.channel.runPendingTasks();
            lane.runAll();
            assertEquals(0, vm.admission().serving());
            assertEquals(0, handlers.fakes.writeBuffers.size(), "never started");
            assertEquals(List.of(), s.escaped);
        }
    }

    @Test
    void aStartThatFailsOnAWorkerStillAnswersAndFreesTheTag() throws Exception {
        try (EmbeddedSession s = negotiated(false)) {
            handlers.startFails = true;
            s.send(1, write());
            List<Throwable> thrown = runAllCatching();
            assertEquals(List.of(), thrown, "nothing escapes to the worker");
            s.channel.runPendingTasks();
            List<Frame> replies = s.replies();
            assertEquals(List.of(1), tags(replies), "answered");
            assertEquals(Errno.EIO, ((RMessage.Rlerror) replies.getFirst().body()).errno());
            assertEquals(0, vm.admission().serving(), "its admission given back");

            handlers.startFails = false;
            s.send(1, write()); // the tag is free again
            lane.runAll();
            assertInstanceOf(RMessage.Rwrite.class, s.replies().getFirst().body());
        }
    }

    @Test
    void aStartThatFailsOnTheEventLoopStillAnswersAndFreesTheTag() throws Exception {
        try (EmbeddedSession s = negotiated(true)) {
            handlers.startFails = true;
            s.send(1, new TMessage.Tgetattr(0, 0x7ff)); // quick, nothing else in flight: served on the loop
            List<Frame> replies = s.replies();
            assertEquals(List.of(), s.escaped, "nothing escapes to the pipeline");
            assertEquals(List.of(1), tags(replies), "answered");
            assertEquals(Errno.EIO, ((RMessage.Rlerror) replies.getFirst().body()).errno());
            assertEquals(0, vm.admission().serving(), "its admission given back");

            handlers.startFails = false;
            s.send(1, new TMessage.Tgetattr(0, 0x7ff)); // the tag is free again
            assertInstanceOf(RMessage.Rgetattr.class, s.replies().getFirst().body());
            assertTrue(s.channel.isOpen());
        }
    }

    /**
     * Red team (reader44b): a session's end asks its handler what the close holds ({@link RequestHandler#closing});
     * one that threw (a bug) killed the worker's task before the close: the handler never closed (its fids and
     * descriptors kept) and the session never ended (its connection place never given back).
     */
    @Test
    void aClosingThatFailsStillClosesTheHandlerAndEndsTheSession() throws Exception {
        try (EmbeddedSession s = negotiated(false)) {
            handlers.closingFails = true;
            Session session = s.channel.pipeline().get(Session.class);
            s.channel.close();
            List<Throwable> thrown = runAllCatching();
            s.channel.runPendingTasks();
            assertEquals(List.of(), thrown, "nothing escapes to the worker");
            assertEquals(1, handlers.fakes.closes.get(), "its handler closed");
            assertTrue(session.ended().toCompletableFuture().isDone(), "the session ended");
        }
    }

    /**
     * Red team (reader44b): at the cap a Tflush waits in the backlog; a drain answered it Rlerror(EIO) ahead of the
     * reply of the request it flushes, where 9P (and the Linux client) expect an Rflush, after that reply.
     */
    @Test
    void aDrainAnswersATflushWaitingAtTheCapWithAnRflushAfterItsRequest() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(1 << 20, lane, false, "", handlers, 1)) {
            s.negotiate(MSIZE);
            lane.runAll();
            s.replies();
            s.send(1, new TMessage.Tgetattr(0, 0x7ff)); // queued for a worker, not run yet
            s.send(2, new TMessage.Tflush(1)); // the cap reached: waits in the backlog

            s.channel.pipeline().get(Session.class).drain(s.channel);
            s.channel.runPendingTasks();
            lane.runAll();
            s.channel.runPendingTasks();
            List<Frame> replies = s.replies();
            assertEquals(List.of(1, 2), tags(replies), "the request's reply, then its Tflush's");
            assertInstanceOf(RMessage.Rflush.class, replies.get(1).body());
        }
    }

    private EmbeddedSession negotiated(boolean ownLoops) throws Exception {
        EmbeddedSession s = new EmbeddedSession(1 << 20, lane, ownLoops, "", handlers);
        s.negotiate(MSIZE);
        lane.runAll();
        assertInstanceOf(RMessage.Rversion.class, s.replies().getFirst().body());
        return s;
    }

    private List<Throwable> runAllCatching() {
        List<Throwable> thrown = new ArrayList<>();
        while (lane.waiting() > 0) {
            try {
                lane.runOne();
            } catch (RuntimeException e) {
                thrown.add(e);
            }
        }
        return thrown;
    }

    private static TMessage.Twrite write() {
        return new TMessage.Twrite(0, 0, Unpooled.wrappedBuffer(new byte[100]));
    }

    private static List<Integer> tags(List<Frame> replies) {
        return replies.stream().map(Frame::tag).toList();
    }

    /**
     * {@link FakeHandler}s whose {@link RequestHandler#starting} holds every request back while {@link #scanning}, as
     * a VM's quota scan does, or throws while {@link #startFails}.
     */
    private static final class Scanning implements RequestHandlerFactory {
        final FakeHandler.Factory fakes = new FakeHandler.Factory();
        final Queue<Runnable> later = new ConcurrentLinkedQueue<>();
        volatile boolean scanning;
        volatile boolean startFails;
        volatile boolean closingFails;

        @Override
        public RequestHandler open(ConnectionContext context) {
            RequestHandler fake = fakes.open(context);
            return new RequestHandler() {
                @Override
                public RMessage handle(FileRequest request) throws P9Exception {
                    return fake.handle(request);
                }

                @Override
                public boolean quick(FileRequest request) {
                    return fake.quick(request);
                }

                @Override
                public Started starting(FileRequest request, Runnable whenFree) {
                    if (startFails) {
                        throw new IllegalStateException("test: a handler's start fails");
                    }
                    if (!scanning) {
                        return Started.NOW;
                    }
                    if (whenFree != null) {
                        later.add(whenFree);
                    }
                    return null;
                }

                @Override
                public Started closing(Runnable later) {
                    if (closingFails) {
                        throw new IllegalStateException("test: a handler's closing fails");
                    }
                    return Started.NOW;
                }

                @Override
                public void close() {
                    fake.close();
                }
            };
        }

        /** The scan ends: what it held back is told, on this thread, as the scan's own thread does. */
        void scanEnds() {
            scanning = false;
            for (Runnable r; (r = later.poll()) != null; ) {
                r.run();
            }
        }
    }
}
