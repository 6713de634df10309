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
 * whole queue. While more than one VM is served, no VM runs on every thread at once: one is always left for
 * the others, so a VM whose requests are slow (a large directory, a slow disk) cannot hold them all.
 *
 * <p>Platform threads on purpose: the filesystem half makes blocking native (FFM) calls, which would pin
 * virtual threads anyway. The queues need no bound of their own: each VM's admission limits how many of its
 * requests are queued or running.
 */
final class FairWorkerPool {
    private static final System.Logger LOG = System.getLogger(FairWorkerPool.class.getName());

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition workArrived = lock.newCondition();
    private final Condition allStopped = lock.newCondition();
    /** Lanes with queued tasks, in turn order. */
    private final ArrayDeque<Lane> ready = new ArrayDeque<>();
    private final Map<VmBudget, Lane> lanes = new IdentityHashMap<>();
    private final int threads;
    private int alive;
    private boolean shutdown;

    FairWorkerPool(int threads, ThreadFactory factory) {
        if (threads < 1) {
            throw new IllegalArgumentException("workers must be at least 1: " + threads);
        }
        this.threads = threads;
        this.alive = threads;
        for (int i = 0; i < threads; i++) {
            factory.newThread(this::work).start();
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
        private int turnLeft;
        private boolean queued;

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
                if (!queued) {
                    queued = true;
                    turnLeft = budget.limits().weight();
                    ready.addLast(this);
                }
                workArrived.signal();
            } finally {
                lock.unlock();
            }
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
    }

    /** Stops taking tasks; those queued still run (as ExecutorService.shutdown). */
    void shutdown() {
        lock.lock();
        try {
            shutdown = true;
            workArrived.signalAll();
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

    private void work() {
        try {
            Lane lane;
            while ((lane = nextLane()) != null) {
                Runnable task = lane.queue.poll();
                lock.unlock();
                try {
                    ScopedValue.where(VmBudget.CURRENT, lane.budget).run(task);
                } catch (Throwable t) {
                    // Tasks turn every failure into a reply; one that escapes is a bug, and the thread stays.
                    LOG.log(System.Logger.Level.ERROR, "worker task failed (bug)", t);
                } finally {
                    lock.lock();
                    lane.running--;
                    if (!lane.queue.isEmpty()) {
                        workArrived.signal();
                    }
                    lock.unlock();
                }
            }
        } finally {
            stopped();
        }
    }

    /**
     * Waits for the next lane whose turn it is and which may run one more task; returns with the lock held and
     * the task still at the head of its queue, or null (lock not held) once shut down and drained.
     */
    private Lane nextLane() {
        lock.lock();
        while (true) {
            Lane lane = takeTurn();
            if (lane != null) {
                return lane;
            }
            if (shutdown && ready.isEmpty()) {
                lock.unlock();
                return null;
            }
            workArrived.awaitUninterruptibly();
        }
    }

    /** Under the lock: the first lane in turn order below its share of threads, charged one task of its turn. */
    private Lane takeTurn() {
        int cap = lanes.size() > 1 && threads > 1 ? threads - 1 : threads;
        for (int looked = 0, n = ready.size(); looked < n; looked++) {
            Lane lane = ready.pollFirst();
            if (lane.running >= cap) {
                ready.addLast(lane);
                continue;
            }
            lane.running++;
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

    private void stopped() {
        lock.lock();
        try {
            alive--;
            if (alive == 0) {
                allStopped.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }
}
