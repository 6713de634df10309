package io.p9gate.gateway.testing;

import java.util.concurrent.TimeUnit;

/** Waiting on the child processes tests start, from {@code close()} methods that must not throw. */
public final class Processes {
    private Processes() {}

    /**
     * Waits up to {@code seconds} for {@code process} to exit. An interrupt ends the wait (the caller then
     * kills the process) and stays set for the test's thread: an {@link AutoCloseable} that throws
     * InterruptedException would let a try-with-resources swallow it.
     */
    public static boolean awaitExit(Process process, long seconds) {
        try {
            return process.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
