package io.p9gate.gateway.fs;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Another request of the guest, served on its own thread from inside a hook of the request under test: the hook
 * returns once that request has finished or is parked on a {@link CountDownLatch} (waiting for the request under
 * test to settle its fid), so the race is decided by the hook's place, not by timing.
 */
final class Meanwhile {
    private final FutureTask<Void> task;
    private final boolean finishedFirst;

    private Meanwhile(FutureTask<Void> task, boolean finishedFirst) {
        this.task = task;
        this.finishedFirst = finishedFirst;
    }

    static Meanwhile start(Runnable request) {
        FutureTask<Void> task = new FutureTask<>(request, null);
        Thread t = Thread.ofPlatform().name("meanwhile").start(task);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!task.isDone() && !parkedOnLatch(t)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the other request neither finished nor waited for a claimed fid");
            }
            Thread.onSpinWait();
        }
        return new Meanwhile(task, task.isDone());
    }

    private static boolean parkedOnLatch(Thread t) {
        Object blocker = LockSupport.getBlocker(t);
        return blocker != null && blocker.getClass().getName().startsWith(CountDownLatch.class.getName());
    }

    /** Whether the request had already finished when the hook returned. */
    boolean finishedFirst() {
        return finishedFirst;
    }

    /** Waits for the request; its assertion errors are rethrown. */
    void join() throws InterruptedException, ExecutionException, TimeoutException {
        task.get(10, TimeUnit.SECONDS);
    }
}
