package io.p9gate.gateway.testing;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** Running host commands tests need, and waiting on child processes from {@code close()} methods that must not throw. */
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

    /** Runs a host command ({@code mount}, {@code umount}) to its end, its output dropped: its exit status, -1 if it hung. */
    public static int run(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (awaitExit(p, 30)) {
            return p.exitValue();
        }
        p.destroyForcibly();
        return -1;
    }
}
