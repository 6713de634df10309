package io.p9gate.gateway.server;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that serve requests. Platform threads on purpose: the filesystem half makes
 * blocking native (FFM) calls, which would pin virtual threads anyway. The queue needs no bound
 * of its own: each connection has at most maxOutstanding requests in it.
 */
final class WorkerPool {
    private WorkerPool() {
    }

    static ExecutorService create(int threads) {
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                named("p9gate-worker-"));
    }

    static ThreadFactory named(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
