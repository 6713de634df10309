package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Random interleavings of requests, flushes, Tversions and worker completions against the 9P reply rules. */
class SchedulingFuzzTest {
    /** A lane whose tasks run in an order the test picks at random. */
    static final class RandomLane implements RequestLane {
        final VmBudget budget;
        final List<Runnable> queued = new ArrayList<>();
        final Random random;

        RandomLane(VmBudget budget, Random random) {
            this.budget = budget;
            this.random = random;
        }

        @Override
        public VmBudget budget() {
            return budget;
        }

        @Override
        public void execute(Runnable task) {
            queued.add(() -> ScopedValue.where(VmBudget.CURRENT, budget).run(task));
        }

        /** A VM allowed 1 to 6 requests outstanding, picked by {@code random}, whose tasks run in its order. */
        static RandomLane withRandomOutstanding(Random random) {
            long outstanding = 1 + random.nextInt(6);
            return new RandomLane(
                    new VmBudget(
                            "vm",
                            new Limits(1_000_000, outstanding, 1_000_000, 1_000_000, 1_000_000, 1_000_000, 1 << 30, 1),
                            null),
                    random);
        }

        boolean runRandom() {
            if (queued.isEmpty()) {
                return false;
            }
            queued.remove(random.nextInt(queued.size())).run();
            return true;
        }
    }

    record InUse(String kind, int oldtag, int seq) {}

    @Test
    void randomInterleavingsKeepTheReplyRules() throws Exception {
        for (int seed = 0; seed < 300; seed++) {
            run(seed);
        }
    }

    private void run(int seed) throws Exception {
        Random random = new Random(seed);
        RandomLane lane = RandomLane.withRandomOutstanding(random);
        VmBudget vm = lane.budget;
        Map<Integer, InUse> inUse = new HashMap<>();
        Set<Integer> dropped = new HashSet<>();
        List<String> trace = new ArrayList<>();
        int nextTag = 0;
        boolean reuse = seed % 2 == 0; // tags taken again once free, as clients do
        int seq = 0;
        try (EmbeddedSession s = new EmbeddedSession(1 << 16, lane, random.nextBoolean())) {
            int vtag = nextTag++;
            s.send(vtag, new TMessage.Tversion(8192, "9P2000.L"));
            inUse.put(vtag, new InUse("version", -1, seq++));
            for (int step = 0; step < 200; step++) {
                int what = reuse && inUse.size() > 40 ? 9 : random.nextInt(10);
                if (what < 4) {
                    int tag = reuse ? free(random, inUse) : nextTag++;
                    s.send(tag, random.nextBoolean() ? new TMessage.Tgetattr(0, 0x7ff) : new TMessage.Tclunk(1));
                    inUse.put(tag, new InUse("req", -1, seq++));
                    trace.add("send " + tag);
                } else if (what < 6) {
                    int tag = reuse ? free(random, inUse) : nextTag++;
                    List<Integer> live = new ArrayList<>(inUse.keySet());
                    Collections.sort(live);
                    int old = live.isEmpty() || random.nextInt(5) == 0
                            ? random.nextInt(reuse ? 48 : nextTag)
                            : live.get(random.nextInt(live.size()));
                    s.send(tag, new TMessage.Tflush(old));
                    inUse.put(tag, new InUse("flush", old, seq++));
                    trace.add("flush " + tag + "->" + old);
                } else if (what == 6 && random.nextInt(4) == 0) {
                    int tag = reuse ? free(random, inUse) : nextTag++;
                    s.send(tag, new TMessage.Tversion(4096 + random.nextInt(8192), "9P2000.L"));
                    inUse.put(tag, new InUse("version", -1, seq++));
                    trace.add("version " + tag);
                } else if (what == 7) {
                    int tag = reuse ? free(random, inUse) : nextTag++;
                    // Tclunk with a trailing byte: a well-framed, malformed body (EPROTO).
                    io.netty.buffer.ByteBuf bad = io.netty.buffer.Unpooled.buffer();
                    bad.writeIntLE(12)
                            .writeByte(120)
                            .writeShortLE(tag)
                            .writeIntLE(1)
                            .writeByte(0);
                    s.feed(bad);
                    inUse.put(tag, new InUse("req", -1, seq++));
                    trace.add("malformed " + tag);
                } else {
                    int n = random.nextInt(4);
                    for (int i = 0; i < n; i++) {
                        lane.runRandom();
                    }
                    s.channel.runPendingTasks();
                }
                check(s, inUse, dropped, trace, seed);
            }
            if (seed % 3 == 0) {
                // The guest goes away with requests running, waiting and flushed: each handler is closed once,
                // after its last request, and nothing stays admitted or unreleased.
                s.disconnect();
                for (int i = 0; i < 10_000 && (lane.runRandom() || s.channel.hasPendingTasks()); i++) {
                    s.channel.runPendingTasks();
                }
                s.channel.runPendingTasks();
                assertEquals(s.handlers.opened.size(), s.handlers.closes.get(), "seed " + seed + ": " + trace);
                assertEquals(0, vm.admission().serving(), "seed " + seed);
                assertTrue(s.allInputReleased(), "seed " + seed);
                return;
            }
            for (int i = 0; i < 10_000 && (lane.runRandom() || s.channel.hasPendingTasks()); i++) {
                s.channel.runPendingTasks();
                check(s, inUse, dropped, trace, seed);
            }
            s.channel.runPendingTasks();
            check(s, inUse, dropped, trace, seed);
            assertEquals(Map.of(), inUse, "seed " + seed + ": unanswered " + trace);
            assertEquals(List.of(), s.escaped, "seed " + seed);
            assertTrue(s.channel.isOpen(), "seed " + seed);
            assertTrue(s.channel.config().isAutoRead(), "seed " + seed + ": reading resumes " + trace);
            assertEquals(0, vm.admission().serving(), "seed " + seed);
        }
    }

    /** A tag the client may use now: not waiting for a reply (a small range, so that tags are taken again). */
    private static int free(Random random, Map<Integer, InUse> inUse) {
        while (true) {
            int tag = random.nextInt(48);
            if (!inUse.containsKey(tag)) {
                return tag;
            }
        }
    }

    private static void check(
            EmbeddedSession s, Map<Integer, InUse> inUse, Set<Integer> dropped, List<String> trace, int seed)
            throws Exception {
        for (Frame f : s.replies()) {
            int tag = f.tag();
            trace.add("reply " + tag + " " + f.body().getClass().getSimpleName());
            InUse was = inUse.remove(tag);
            if (was == null) {
                fail("seed " + seed + ": reply to tag " + tag + " not in use (dropped " + dropped.contains(tag) + "): "
                        + trace);
            }
            if (was.kind().equals("flush")) {
                if (!(f.body() instanceof RMessage.Rflush)) {
                    fail("seed " + seed + ": flush answered " + f.body() + " " + trace);
                }
                InUse old = inUse.get(was.oldtag());
                if (old != null && old.seq() < was.seq()) {
                    if (!old.kind().equals("req")) {
                        fail("seed " + seed + ": Rflush " + tag + " before its " + old.kind() + " " + was.oldtag()
                                + " was answered: " + trace);
                    }
                    inUse.remove(was.oldtag()); // dropped unanswered: never to be answered
                    dropped.add(was.oldtag());
                }
            }
            if (was.kind().equals("version")) {
                for (var e : inUse.entrySet()) {
                    if (e.getValue().seq() < was.seq()) {
                        fail("seed " + seed + ": Rversion " + tag + " before " + e.getKey() + " was answered: "
                                + trace);
                    }
                }
            }
        }
    }
}
