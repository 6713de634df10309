package io.p9gate.gateway.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * SIGTERM always ends the process within a bound (issue 8: a gateway out of memory ignored it). The orderly
 * stop (closing sessions, the audit log's final checkpoint) may hang on a wedged thread or fail for want of
 * memory; then, {@code bound} after the stop began, {@link Runtime#halt} ends the process with
 * {@link #EXIT_STATUS}. Everything the halt needs (its thread, its message) is made when the deadline is armed
 * at start-up, so that starting it allocates nothing on the heap.
 */
final class ShutdownDeadline {
    /** Above the gateway's own waits ({@code Gateway.LONGEST_CLOSE}, 21 s) plus the final checkpoint. */
    static final Duration DEFAULT = Duration.ofSeconds(30);
    /** As timeout(1) reports a command it had to stop. */
    static final int EXIT_STATUS = 124;

    private final Thread halter;

    private ShutdownDeadline(Thread halter) {
        this.halter = halter;
    }

    static ShutdownDeadline armed(Duration bound) {
        long millis = bound.toMillis();
        byte[] message = ("p9gate: stop did not finish within " + bound.toSeconds() + " s; halting\n")
                .getBytes(StandardCharsets.UTF_8);
        FileOutputStream err = new FileOutputStream(FileDescriptor.err);
        Thread halter = new Thread(
                () -> {
                    try {
                        Thread.sleep(millis);
                    } catch (InterruptedException e) {
                        return; // the stop finished: the JVM is exiting anyway
                    }
                    try {
                        err.write(message);
                    } catch (IOException | RuntimeException ignored) {
                        // Nothing left to tell it to.
                    }
                    Runtime.getRuntime().halt(EXIT_STATUS);
                },
                "p9gate-stop-deadline");
        halter.setDaemon(true);
        return new ShutdownDeadline(halter);
    }

    /** The stop has begun: the clock runs. */
    void start() {
        halter.start();
    }

    /** The stop has finished in time. */
    void cancel() {
        halter.interrupt();
    }
}
