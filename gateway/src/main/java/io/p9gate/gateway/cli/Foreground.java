package io.p9gate.gateway.cli;

import io.p9gate.gateway.server.Gateway;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Keeps a started gateway in the foreground until SIGTERM/SIGINT, then closes it (and cleans up), within
 * {@link ShutdownDeadline#DEFAULT}: past it the process halts.
 */
final class Foreground {
    private Foreground() {}

    /** Blocks until the JVM is asked to stop; {@code cleanup} runs after the gateway is closed. */
    static void runUntilStopped(Gateway gateway, Runnable cleanup) {
        runUntilStopped(gateway, () -> {}, cleanup);
    }

    /** As {@link #runUntilStopped(Gateway, Runnable)}; {@code stopping} runs first (e.g. telling systemd). */
    static void runUntilStopped(Gateway gateway, Runnable stopping, Runnable cleanup) {
        runUntilStopped(
                () -> {
                    stopping.run();
                    gateway.close();
                    cleanup.run();
                },
                ShutdownDeadline.DEFAULT);
    }

    /** Blocks until the JVM is asked to stop, then runs {@code stop}; the process ends {@code bound} later at most. */
    static void runUntilStopped(Runnable stop, Duration bound) {
        CountDownLatch stopped = new CountDownLatch(1);
        ShutdownDeadline deadline = ShutdownDeadline.armed(bound);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            deadline.start();
                            try {
                                stop.run();
                                deadline.cancel();
                            } finally {
                                stopped.countDown();
                            }
                        },
                        "p9gate-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop.run();
        }
    }
}
