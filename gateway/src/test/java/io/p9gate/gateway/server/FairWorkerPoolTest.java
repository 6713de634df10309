package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.budget.VmBudget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fair scheduling across VMs (R-ROB-2): the order in which queued tasks of several VMs run, that one VM never
 * holds every thread, and that a VM's first task in flight runs at normal priority while its further ones run
 * at a lower one. Orders, counts and thread attributes, never durations. Pools with no prompt thread have one
 * strict order of service, which the order tests need.
 */
class FairWorkerPoolTest {
    private FairWorkerPool pool;
    private final List<String> ran = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stop() throws Exception {
        pool.shutdown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
    }

    private static VmBudget vm(String name, int weight) {
        return new VmBudget(name, new Limits(1, 1, 1, 1, 1, 1, 1, weight), null);
    }

    /** Queues {@code count} tasks named NAME-i in the lane. */
    private void queue(FairWorkerPool.Lane lane, String name, int count) {
        for (int i = 0; i < count; i++) {
            String id = name + "-" + i;
            lane.execute(() -> ran.add(id));
        }
    }

    /** A task that says it started, then holds its thread until {@code release}. */
    private static Runnable holding(CountDownLatch started, CountDownLatch release) {
        return () -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    /** Occupies the pool's only thread until the returned latch is released. */
    private CountDownLatch blockTheThread(FairWorkerPool.Lane lane) throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        lane.execute(holding(started, release));
        assertTrue(started.await(30, TimeUnit.SECONDS));
        return release;
    }

    private void awaitRan(int count) throws InterruptedException {
        for (int i = 0; i < 3000 && ran.size() < count; i++) {
            Thread.sleep(10);
        }
        assertEquals(count, ran.size(), "ran: " + ran);
    }

    @Test
    void aVmsQueuedFloodDoesNotDelayAnotherVmsNextTaskBeyondOneTurn() throws Exception {
        pool = new FairWorkerPool(0, 1, "test");
        FairWorkerPool.Lane a = pool.lane(vm("a", 1));
        FairWorkerPool.Lane b = pool.lane(vm("b", 1));
        CountDownLatch release = blockTheThread(a);
        queue(a, "a", 100);
        queue(b, "b", 1);
        release.countDown();
        awaitRan(101);
        assertTrue(ran.indexOf("b-0") <= 1, "b waited for " + ran.indexOf("b-0") + " of a's tasks: " + ran);
    }

    @Test
    void lanesTakeTurnsWeightedByTheirPolicyWeight() throws Exception {
        pool = new FairWorkerPool(0, 1, "test");
        FairWorkerPool.Lane a = pool.lane(vm("a", 1));
        FairWorkerPool.Lane b = pool.lane(vm("b", 3));
        CountDownLatch release = blockTheThread(a);
        queue(a, "a", 4);
        queue(b, "b", 8);
        release.countDown();
        awaitRan(12);
        assertEquals(List.of("a-0", "b-0", "b-1", "b-2", "a-1", "b-3", "b-4", "b-5", "a-2", "b-6", "b-7", "a-3"), ran);
    }

    @Test
    void oneVmNeverHoldsEveryBulkThreadWhileAnotherVmIsServed() throws Exception {
        pool = new FairWorkerPool(0, 3, "test");
        FairWorkerPool.Lane a = pool.lane(vm("a", 1));
        FairWorkerPool.Lane b = pool.lane(vm("b", 1));
        CountDownLatch aRunning = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        for (int i = 0; i < 10; i++) {
            a.execute(holding(aRunning, release));
        }
        assertTrue(aRunning.await(30, TimeUnit.SECONDS));
        CountDownLatch bRan = new CountDownLatch(1);
        b.execute(bRan::countDown);
        assertTrue(bRan.await(30, TimeUnit.SECONDS), "b found the thread a may not take");
        assertEquals(8, a.waiting(), "a runs on two of the three threads, never the third");
        release.countDown();
    }

    @Test
    void bulkThreadsLowerTheirPriorityOnlyOnceASecondVmHasALane() throws Exception {
        pool = new FairWorkerPool(1, 1, "test");
        FairWorkerPool.Lane a = pool.lane(vm("a", 1));
        assertEquals(List.of(NORMAL, NORMAL), nicesOfTwoTasksInFlight(a), "one VM: nobody to yield to");
        pool.lane(vm("b", 1));
        assertEquals(
                List.of(NORMAL, BULK),
                nicesOfTwoTasksInFlight(a),
                "with a second VM, a's task on the bulk thread runs at the bulk priority");
    }

    /** The nice values two tasks of {@code lane} ran at, both in flight at once (so on both tiers), sorted. */
    private static List<Integer> nicesOfTwoTasksInFlight(FairWorkerPool.Lane lane) throws InterruptedException {
        CountDownLatch both = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(2);
        List<Integer> nices = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 2; i++) {
            lane.execute(() -> {
                nices.add(niceOfThisThread());
                holding(both, release).run();
                done.countDown();
            });
        }
        assertTrue(both.await(30, TimeUnit.SECONDS), "both tasks in flight");
        release.countDown();
        assertTrue(done.await(30, TimeUnit.SECONDS));
        return nices.stream().sorted().toList();
    }

    @Test
    void aVmAloneMayUseEveryThread() throws Exception {
        pool = new FairWorkerPool(1, 2, "test");
        FairWorkerPool.Lane a = pool.lane(vm("a", 1));
        CountDownLatch all = new CountDownLatch(3);
        CountDownLatch release = new CountDownLatch(1);
        for (int i = 0; i < 4; i++) {
            a.execute(holding(all, release));
        }
        assertTrue(all.await(30, TimeUnit.SECONDS), "the prompt thread and both bulk threads serve the only VM");
        assertEquals(1, a.waiting());
        release.countDown();
    }

    @Test
    void aVmsFirstTaskRunsAtNormalPriorityWhileAnotherVmKeepsManyInFlight() throws Exception {
        pool = new FairWorkerPool(2, 2, "test");
        FairWorkerPool.Lane a = pool.lane(vm("a", 1));
        FairWorkerPool.Lane b = pool.lane(vm("b", 1));
        CountDownLatch aRunning = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> aNice = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 10; i++) {
            a.execute(() -> {
                aNice.add(niceOfThisThread());
                holding(aRunning, release).run();
            });
        }
        assertTrue(aRunning.await(30, TimeUnit.SECONDS));
        assertEquals(
                8,
                a.waiting(),
                "a: one task on a prompt thread (the other is left for the next VM),"
                        + " one on the one bulk thread it may take");
        AtomicReference<Integer> bNice = new AtomicReference<>();
        CountDownLatch bRan = new CountDownLatch(1);
        b.execute(() -> {
            bNice.set(niceOfThisThread());
            bRan.countDown();
        });
        assertTrue(bRan.await(30, TimeUnit.SECONDS), "b is served while a's tasks hold their threads");
        assertEquals(NORMAL, bNice.get(), "b's task ran at normal priority");
        assertEquals(
                List.of(NORMAL, BULK),
                aNice.stream().sorted().toList(),
                "a's second task in flight ran at the bulk priority");
        release.countDown();
    }

    /**
     * A prompt thread that has not parked yet (just started, or between two tasks) is as free as a parked one:
     * a VM's first task waits for it rather than run on a bulk thread. CI once saw b's task at the bulk
     * priority because a prompt thread was still starting when b's task came (only parked ones were counted).
     */
    @Test
    void aVmsFirstTaskWaitsForAPromptThreadThatHasNotParkedYet() throws Exception {
        for (int round = 0; round < 200; round++) {
            pool = new FairWorkerPool(1, 1, "test");
            pool.lane(vm("a", 1));
            FairWorkerPool.Lane b = pool.lane(vm("b", 1));
            AtomicReference<String> thread = new AtomicReference<>();
            CountDownLatch ran = new CountDownLatch(1);
            b.execute(() -> {
                thread.set(Thread.currentThread().getName());
                ran.countDown();
            });
            assertTrue(ran.await(30, TimeUnit.SECONDS));
            assertEquals("test-1", thread.get(), "round " + round + ": b's first task ran on the prompt thread");
            pool.shutdown();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void aVmAloneRunsOnPromptThreadsLeavingOneForTheNext() throws Exception {
        pool = new FairWorkerPool(3, 1, "test");
        FairWorkerPool.Lane a = pool.lane(vm("a", 1));
        pool.lane(vm("b", 1));
        CountDownLatch aRunning = new CountDownLatch(3);
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> aNice = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 5; i++) {
            a.execute(() -> {
                aNice.add(niceOfThisThread());
                holding(aRunning, release).run();
            });
        }
        assertTrue(aRunning.await(30, TimeUnit.SECONDS));
        assertEquals(
                List.of(NORMAL, NORMAL, BULK),
                aNice.stream().sorted().toList(),
                "b idle: a on two of the three prompt threads, then the bulk one");
        assertEquals(2, a.waiting());
        release.countDown();
    }

    /** The priority this test runs at (the suite may run under {@code nice}); pool threads inherit it. */
    private static final int NORMAL = niceOfThisThread();
    /** Bulk threads sit {@code BULK_NICE} levels below, at most at 19. */
    private static final int BULK = Math.min(19, NORMAL + FairWorkerPool.BULK_NICE);

    /** The nice value of the calling thread (field 19 of /proc/thread-self/stat). */
    private static int niceOfThisThread() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void tasksRunWithTheirVmsBudgetBound() throws Exception {
        pool = new FairWorkerPool(1, 1, "test");
        VmBudget budget = vm("a", 1);
        AtomicReference<VmBudget> seen = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        pool.lane(budget).execute(() -> {
            seen.set(VmBudget.current());
            done.countDown();
        });
        assertTrue(done.await(30, TimeUnit.SECONDS));
        assertSame(budget, seen.get());
        assertSame(pool.lane(budget), pool.lane(budget), "one lane per VM");
    }

    @Test
    void shutdownEndsTheThreadsThatCouldNotTakeTheLastQueuedTasks() throws Exception {
        pool = new FairWorkerPool(2, 1, "test");
        FairWorkerPool.Lane a = pool.lane(vm("a", 1));
        pool.lane(vm("b", 1)); // a second VM: a may hold one prompt thread, the other prompt thread stays idle
        CountDownLatch running = new CountDownLatch(2);
        CountDownLatch releasePrompt = new CountDownLatch(1);
        CountDownLatch releaseBulk = new CountDownLatch(1);
        for (int i = 0; i < 2; i++) {
            a.execute(() -> holding(
                            running,
                            Thread.currentThread().getName().startsWith("test-bulk-") ? releaseBulk : releasePrompt)
                    .run());
        }
        assertTrue(running.await(30, TimeUnit.SECONDS), "a on one prompt and the bulk thread");
        queue(a, "a", 2);
        pool.shutdown();
        releaseBulk.countDown();
        awaitRan(2); // by the bulk thread: the idle prompt thread may not take a second task of a
        releasePrompt.countDown();
        assertTrue(
                pool.awaitTermination(30, TimeUnit.SECONDS),
                "the idle prompt thread, which last looked while a still had tasks queued, ends too");
    }

    @Test
    void shutdownRunsWhatIsQueuedAndRefusesMore() throws Exception {
        pool = new FairWorkerPool(0, 1, "test");
        FairWorkerPool.Lane a = pool.lane(vm("a", 1));
        CountDownLatch release = blockTheThread(a);
        queue(a, "a", 3);
        pool.shutdown();
        assertThrows(RejectedExecutionException.class, () -> a.execute(() -> ran.add("late")));
        release.countDown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        assertEquals(List.of("a-0", "a-1", "a-2"), ran);
    }
}
