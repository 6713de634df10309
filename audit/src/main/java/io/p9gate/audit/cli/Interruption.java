package io.p9gate.audit.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a command must still do if the process is stopped while it works (Ctrl-C, SIGTERM): wipe its progress line,
 * delete a partial output file, say the output is incomplete. The JVM runs its shutdown hooks all at once and in no
 * order, so one hook runs these in turn, the latest registered first: the progress line, drawn after the command
 * began, is wiped before the command's own line is printed.
 */
final class Interruption {
    private static final List<Runnable> PENDING = new ArrayList<>();
    private static boolean hooked;

    /** How long a stop waits for the cleanups. */
    private static final Duration DEADLINE = Duration.ofSeconds(2);

    private Interruption() {}

    /** A cleanup registered until {@link #close}, when the command has ended without being stopped. */
    record Cleanup(Runnable action) implements AutoCloseable {
        @Override
        public void close() {
            synchronized (PENDING) {
                PENDING.remove(action);
            }
        }
    }

    static Cleanup onShutdown(Runnable action) {
        synchronized (PENDING) {
            if (!hooked) {
                Runtime.getRuntime().addShutdownHook(new Thread(Interruption::runAll, "p9gate-interrupted"));
                hooked = true;
            }
            PENDING.add(action);
        }
        return new Cleanup(action);
    }

    private static void runAll() {
        Thread cleaning = startCleanups();
        try {
            cleaning.join(DEADLINE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Takes the cleanups registered now and starts running them, as a stop does; the caller decides how long to
     * wait. Package-private so that a test can stop a command at an exact point of its work.
     */
    static Thread startCleanups() {
        List<Runnable> actions;
        synchronized (PENDING) {
            actions = new ArrayList<>(PENDING.reversed());
            PENDING.clear();
        }
        // On a thread the JVM does not wait for: a cleanup stuck on a stalled stderr (a terminal stopped with
        // Ctrl-S, a pipe nobody reads) must not keep the process from ending, which it did without these.
        return Thread.ofPlatform().daemon().name("p9gate-cleanup").start(() -> {
            for (Runnable action : actions) {
                try {
                    action.run();
                } catch (RuntimeException e) {
                    // The process is going anyway; the other cleanups still run.
                }
            }
        });
    }
}
