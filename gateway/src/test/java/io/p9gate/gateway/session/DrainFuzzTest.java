package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.TMessage.FileRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A stop or a reload drains a connection ({@link Session#drain}) at a random point of a random interleaving of
 * requests, Tflushes, Tversions and worker completions: nothing is started once the drain ran (a revoked VM's request
 * queued for a worker must not run as the VM), no tag is answered twice, the connection closes, and every handler the
 * connection opened is closed once, with nothing left admitted or unreleased.
 */
class DrainFuzzTest {
    /** Handlers that tell a request served after the drain began. */
    static final class WatchedHandlers implements RequestHandlerFactory {
        final FakeHandler.Factory fake = new FakeHandler.Factory();
        final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
        final List<String> startedAfterDrain = new ArrayList<>();
        volatile boolean drained;
        /** While set, every request is held back as by a reload's quota scan, told in {@link #scanEnds}. */
        volatile boolean scanning;

        private final List<Runnable> heldBack = new ArrayList<>();

        /** The scan ends: the requests it held back are told, as on the scan's thread. */
        void scanEnds() {
            scanning = false;
            List<Runnable> due = List.copyOf(heldBack);
            heldBack.clear();
            due.forEach(Runnable::run);
        }

        @Override
        public RequestHandler open(ConnectionContext context) {
            RequestHandler inner = fake.open(context);
            opened.incrementAndGet();
            return new RequestHandler() {
                @Override
                public RMessage handle(FileRequest request) throws P9Exception {
                    if (drained) {
                        startedAfterDrain.add(request.type().name());
                    }
                    return inner.handle(request);
                }

                @Override
                public boolean quick(FileRequest request) {
                    return inner.quick(request);
                }

                @Override
                public Started starting(FileRequest request, Runnable later) {
                    if (!scanning) {
                        return Started.NOW;
                    }
                    if (later != null) {
                        heldBack.add(later);
                    }
                    return null;
                }

                @Override
                public void close() {
                    closes.incrementAndGet();
                    inner.close();
                }
            };
        }
    }

    @Test
    void aDrainAtAnyPointStartsNothingMoreAndEndsTheSessionOnce() throws Exception {
        for (int seed = 0; seed < 300; seed++) {
            run(seed, false);
        }
    }

    /**
     * The same with quota scans beginning and ending at random points, holding every request back meanwhile: a
     * request held back is answered once (by a Tflush, the drain, or its run after the scan), and never starts after
     * the drain.
     */
    @Test
    void aDrainAtAnyPointWithRequestsHeldBackByScansEndsTheSessionOnce() throws Exception {
        for (int seed = 0; seed < 300; seed++) {
            run(seed, true);
        }
    }

    private void run(int seed, boolean withScans) throws Exception {
        Random random = new Random(seed);
        var lane = SchedulingFuzzTest.RandomLane.withRandomOutstanding(random);
        VmBudget vm = lane.budget;
        WatchedHandlers handlers = new WatchedHandlers();
        List<String> trace = new ArrayList<>();
        Set<Integer> answered = new HashSet<>();
        int drainAt = random.nextInt(60);
        int nextTag = 0;
        try (EmbeddedSession s = new EmbeddedSession(1 << 16, lane, random.nextBoolean(), "", handlers)) {
            Session session = s.channel.pipeline().get(Session.class);
            s.send(nextTag++, new TMessage.Tversion(8192, "9P2000.L"));
            for (int step = 0; step < 60; step++) {
                if (step == drainAt) {
                    session.drain(s.channel);
                    s.channel.runPendingTasks();
                    handlers.drained = true;
                    trace.add("drain");
                }
                int what = random.nextInt(10);
                int tag = nextTag++;
                if (what < 7 && !s.channel.isOpen()) {
                    trace.add("closed " + tag); // the drain ended the connection: nothing more reaches the gateway
                } else if (what < 4) {
                    s.send(tag, random.nextBoolean() ? new TMessage.Tgetattr(0, 0x7ff) : new TMessage.Tclunk(1));
                    trace.add("send " + tag);
                } else if (what < 6) {
                    int old = random.nextInt(tag);
                    s.send(tag, new TMessage.Tflush(old));
                    trace.add("flush " + tag + "->" + old);
                } else if (what == 6 && random.nextInt(3) == 0) {
                    s.send(tag, new TMessage.Tversion(4096 + random.nextInt(8192), "9P2000.L"));
                    trace.add("version " + tag);
                } else if (withScans && what == 7 && random.nextBoolean()) {
                    if (handlers.scanning) {
                        handlers.scanEnds();
                        trace.add("scan ends");
                    } else {
                        handlers.scanning = true;
                        trace.add("scan begins");
                    }
                    s.channel.runPendingTasks();
                } else {
                    for (int i = random.nextInt(4); i > 0; i--) {
                        lane.runRandom();
                    }
                    s.channel.runPendingTasks();
                }
                collect(s, answered, trace, seed);
            }
            if (!handlers.drained) {
                session.drain(s.channel);
                s.channel.runPendingTasks();
                handlers.drained = true;
                trace.add("drain");
            }
            handlers.scanEnds();
            for (int i = 0; i < 10_000 && (lane.runRandom() || s.channel.hasPendingTasks()); i++) {
                s.channel.runPendingTasks();
                collect(s, answered, trace, seed);
            }
            s.channel.runPendingTasks();
            collect(s, answered, trace, seed);
            assertEquals(List.of(), handlers.startedAfterDrain, "seed " + seed + ": started after the drain " + trace);
            assertFalse(s.channel.isOpen(), "seed " + seed + ": the drained connection closes " + trace);
            assertEquals(handlers.opened.get(), handlers.closes.get(), "seed " + seed + ": " + trace);
            assertEquals(0, vm.admission().serving(), "seed " + seed);
            assertTrue(s.allInputReleased(), "seed " + seed);
        }
    }

    private static void collect(EmbeddedSession s, Set<Integer> answered, List<String> trace, int seed)
            throws Exception {
        for (Frame f : s.replies()) {
            trace.add("reply " + f.tag() + " " + f.body().getClass().getSimpleName());
            if (!answered.add(f.tag())) {
                fail("seed " + seed + ": tag " + f.tag() + " answered twice: " + trace);
            }
        }
    }
}
