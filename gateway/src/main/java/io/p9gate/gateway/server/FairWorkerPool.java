package io.p9gate.gateway.server;

import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.session.RequestLane;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The threads that serve requests, shared fairly among VMs (R-ROB-2). Each VM has its own queue (a
 * {@link Lane}); free threads take from the queues in turn, {@code weight} tasks per turn (weighted round
 * robin), so a VM that floods the gateway delays another VM's next request by at most one turn, not by its
 * whole queue.
 *
 * <p>Two tiers of threads, because on a busy host the delay that remains is waiting for a CPU. <em>Prompt</em>
 * threads run at normal priority; <em>bulk</em> threads at a lowered one ({@value #BULK_NICE} nice levels below the gateway's)
 * once a second VM has a lane: each lowers itself before its first task after that (for good: raising a priority
 * again needs privilege). A gateway that has served one VM has no one to yield to, and a bulk thread at nice 10
 * also makes a change's wait for its audit fsync longer on a busy host (issue 11). While
 * another VM is active (it had a request within {@value #ACTIVE_WINDOW_MS} ms), a VM has at most one task on a
 * prompt thread and its further tasks in flight run on bulk threads: its first request is served like any other
 * VM's, and a VM that keeps many in flight gets the CPU the others leave (work-conserving), not the CPU they
 * need. A VM alone uses the prompt threads as it likes. While more than one VM is served, no VM runs on every
 * thread of a tier: one is always left for the others.
 *
 * <p>Platform threads on purpose: the filesystem half makes blocking native (FFM) calls, which would pin
 * virtual threads anyway. The queues need no bound of their own: each VM's admission limits how many of its
 * requests are queued or running.
 */
final class FairWorkerPool {
    private static final System.Logger LOG = System.getLogger(FairWorkerPool.class.getName());
    /** Nice levels below the prompt threads: weight 110 against 1024 (sched(7)), about a tenth of a contended CPU. */
    static final int BULK_NICE = 10;
    /** How long after its last request a VM still counts as active, so that its requests in a row count as one. */
    static final long ACTIVE_WINDOW_MS = 1000;

    private enum Tier {
        PROMPT,
        BULK
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition promptWork = lock.newCondition();
    private final Condition bulkWork = lock.newCondition();
    private final Condition allStopped = lock.newCondition();
    /** Lanes with queued tasks, in turn order. */
    private final ArrayDeque<Lane> ready = new ArrayDeque<>();

    private final Map<VmBudget, Lane> lanes = new IdentityHashMap<>();
    private final int promptThreads;
    private final int bulkThreads;
    /**
     * Prompt threads not running a task: parked, starting, or between two tasks. Not only the parked ones: a
     * thread that has not parked yet still looks at the queues before it does, and a VM's first task must wait
     * for it rather than go to a bulk thread.
     */
    private int freePrompt;

    private int alive;
    private boolean shutdown;

    /**
     * @param promptThreads normal-priority threads, each running at most one task of a VM at a time
     * @param bulkThreads   lower-priority threads for the rest
     * @param name          thread name prefix: NAME-N and NAME-bulk-N
     */
    FairWorkerPool(int promptThreads, int bulkThreads, String name) {
        if (promptThreads < 0 || bulkThreads < 1) {
            throw new IllegalArgumentException("workers must be at least 1: " + bulkThreads);
        }
        this.promptThreads = promptThreads;
        this.bulkThreads = bulkThreads;
        this.alive = promptThreads + bulkThreads;
        this.freePrompt = promptThreads;
        ThreadFactory prompt = named(name + "-");
        ThreadFactory bulk = named(name + "-bulk-");
        for (int i = 0; i < promptThreads; i++) {
            prompt.newThread(() -> work(Tier.PROMPT)).start();
        }
        for (int i = 0; i < bulkThreads; i++) {
            bulk.newThread(() -> work(Tier.BULK)).start();
        }
    }

    static ThreadFactory named(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** The lane of a VM (one per budget, however many listeners lead to it). */
    Lane lane(VmBudget budget) {
        lock.lock();
        try {
            return lanes.computeIfAbsent(budget, Lane::new);
        } finally {
            lock.unlock();
        }
    }

    /** One VM's queue of tasks. */
    final class Lane implements RequestLane {
        private final VmBudget budget;
        private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
        private int running;
        private int prompt;
        private int turnLeft;
        private boolean queued;
        /** Written without the lock by {@link #servedOnLoop} (from the VM's event loops), read under it. */
        private volatile long lastRequest = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(ACTIVE_WINDOW_MS);

        private Lane(VmBudget budget) {
            this.budget = budget;
        }

        @Override
        public VmBudget budget() {
            return budget;
        }

        @Override
        public void execute(Runnable task) {
            lock.lock();
            try {
                if (shutdown) {
                    throw new RejectedExecutionException("the gateway's workers are shutting down");
                }
                queue.add(task);
                lastRequest = System.nanoTime();
                if (!queued) {
                    queued = true;
                    turnLeft = budget.limits().weight();
                    ready.addLast(this);
                }
                wakeIdle();
            } finally {
                lock.unlock();
            }
        }

        /** A request served on the VM's own event loop: the VM is active as if this lane had run it. */
        @Override
        public void servedOnLoop() {
            lastRequest = System.nanoTime();
        }

        /** Tasks waiting (not running) in this lane. */
        int waiting() {
            lock.lock();
            try {
                return queue.size();
            } finally {
                lock.unlock();
            }
        }

        /** Under the lock: may a thread of this tier take this lane's next task? */
        private boolean takesFrom(Tier tier) {
            return switch (tier) {
                case PROMPT -> prompt == 0 || prompt < promptCap() && !othersActive(this);
                // A VM's first task in flight is left to a free prompt thread, which is about to take it.
                case BULK -> running - prompt < bulkCap() && (prompt > 0 || freePrompt == 0);
            };
        }
    }

    /** Stops taking tasks; those queued still run (as ExecutorService.shutdown). */
    void shutdown() {
        lock.lock();
        try {
            shutdown = true;
            promptWork.signalAll();
            bulkWork.signalAll();
        } finally {
            lock.unlock();
        }
    }

    boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            while (alive > 0) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = allStopped.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void work(Tier tier) {
        boolean lowered = false;
        lock.lock();
        try {
            while (true) {
                Lane lane = takeTurn(tier);
                if (lane == null) {
                    if (shutdown && ready.isEmpty()) {
                        return;
                    }
                    await(tier);
                    continue;
                }
                Runnable task = lane.queue.poll();
                lane.running++;
                if (tier == Tier.PROMPT) {
                    lane.prompt++;
                    freePrompt--;
                }
                wakeIdle();
                boolean lower = tier == Tier.BULK && !lowered && lanes.size() > 1;
                lock.unlock();
                try {
                    if (lower) {
                        ThreadNiceness.lowerBy(BULK_NICE);
                        lowered = true;
                    }
                    ScopedValue.where(VmBudget.CURRENT, lane.budget).run(task);
                } catch (Throwable t) {
                    // Tasks turn every failure into a reply; one that escapes is a bug, and the thread stays.
                    LOG.log(System.Logger.Level.ERROR, "worker task failed (bug)", t);
                } finally {
                    lock.lock();
                    lane.running--;
                    if (tier == Tier.PROMPT) {
                        lane.prompt--;
                        freePrompt++;
                    }
                    wakeIdle();
                }
            }
        } finally {
            if (tier == Tier.PROMPT) {
                freePrompt--;
            }
            alive--;
            if (alive == 0) {
                allStopped.signalAll();
            }
            lock.unlock();
        }
    }

    private void await(Tier tier) {
        if (tier == Tier.PROMPT) {
            promptWork.awaitUninterruptibly();
        } else {
            bulkWork.awaitUninterruptibly();
        }
    }

    /** Under the lock: the first lane in turn order this tier may take from, charged one task of its turn. */
    private Lane takeTurn(Tier tier) {
        for (int looked = 0, n = ready.size(); looked < n; looked++) {
            Lane lane = ready.pollFirst();
            if (!lane.takesFrom(tier)) {
                ready.addLast(lane);
                continue;
            }
            if (lane.queue.size() == 1) {
                lane.queued = false;
            } else if (--lane.turnLeft > 0) {
                ready.addFirst(lane);
            } else {
                lane.turnLeft = lane.budget.limits().weight();
                ready.addLast(lane);
            }
            return lane;
        }
        return null;
    }

    /**
     * Under the lock, after any change: wakes one waiting thread of each tier that has something to take. A
     * woken thread that takes a task calls this again, so every queued task finds a thread if one is free.
     * Once shut down with nothing left queued, wakes every waiting thread to end: a thread that last looked
     * while a VM had tasks it was not allowed to take is otherwise never woken again.
     */
    private void wakeIdle() {
        if (shutdown && ready.isEmpty()) {
            promptWork.signalAll();
            bulkWork.signalAll();
            return;
        }
        boolean forPrompt = false;
        boolean forBulk = false;
        for (Lane lane : ready) {
            forPrompt |= lane.takesFrom(Tier.PROMPT);
            forBulk |= lane.takesFrom(Tier.BULK);
        }
        // A free prompt thread that is not parked misses this signal but looks at the queues before it parks.
        if (forPrompt && freePrompt > 0) {
            promptWork.signal();
        }
        if (forBulk) {
            bulkWork.signal();
        }
    }

    /** Under the lock: has a VM other than {@code lane}'s had a request in the active window? */
    private boolean othersActive(Lane lane) {
        long since = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(ACTIVE_WINDOW_MS);
        for (Lane other : lanes.values()) {
            if (other != lane && (other.running > 0 || !other.queue.isEmpty() || other.lastRequest - since > 0)) {
                return true;
            }
        }
        return false;
    }

    /** A VM alone leaves one prompt thread for the next VM's first request. */
    private int promptCap() {
        return lanes.size() > 1 && promptThreads > 1 ? promptThreads - 1 : promptThreads;
    }

    private int bulkCap() {
        return lanes.size() > 1 && bulkThreads > 1 ? bulkThreads - 1 : bulkThreads;
    }
}
