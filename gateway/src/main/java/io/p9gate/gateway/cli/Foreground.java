package io.p9gate.gateway.cli;

import io.p9gate.gateway.server.Gateway;
import java.util.concurrent.CountDownLatch;

/** Keeps a started gateway in the foreground until SIGTERM/SIGINT, then closes it (and cleans up). */
final class Foreground {
    private Foreground() {
    }

    /** Blocks until the JVM is asked to stop; {@code cleanup} runs after the gateway is closed. */
    static void runUntilStopped(Gateway gateway, Runnable cleanup) {
        runUntilStopped(gateway, () -> { }, cleanup);
    }

    /** As {@link #runUntilStopped(Gateway, Runnable)}; {@code stopping} runs first (e.g. telling systemd). */
    static void runUntilStopped(Gateway gateway, Runnable stopping, Runnable cleanup) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                stopping.run();
                gateway.close();
                cleanup.run();
            } finally {
                stopped.countDown();
            }
        }, "p9gate-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            gateway.close();
            cleanup.run();
        }
    }
}
