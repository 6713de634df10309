package io.p9gate.gateway.server;

import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * How {@link Gateway#close} waits for each of its steps: at most its wait, then one WARNING line and on, so that a
 * stuck step does not keep the final checkpoint from being signed (R-DEP-2).
 */
final class StopStepWait {
    /** The gateway's log: its lines keep the name they always had. */
    private static final System.Logger LOG = System.getLogger(Gateway.class.getName());

    private StopStepWait() {}

    /** Waits for {@code step} until {@code deadline} ({@link System#nanoTime}), the end of {@code wait}. */
    static void awaitQuietly(Future<?> step, long deadline, Duration wait, String what) {
        if (!step.awaitUninterruptibly(TimeUnit.NANOSECONDS.toMillis(Math.max(0, deadline - System.nanoTime())))) {
            LOG.log(System.Logger.Level.WARNING, () -> what + " after " + wait.toSeconds() + " s; stopping anyway");
        }
    }

    static void awaitQuietly(FairWorkerPool pool, Duration wait) {
        try {
            if (!pool.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        () -> "requests still running after " + wait.toSeconds() + " s; stopping anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
