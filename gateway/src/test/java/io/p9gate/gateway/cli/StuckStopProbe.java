package io.p9gate.gateway.cli;

import java.time.Duration;

/**
 * A process whose orderly stop never finishes (as when a wedged thread or a full heap keeps the gateway from
 * closing): it must still end on SIGTERM, by the deadline. Run by {@link ShutdownDeadlineTest} in a JVM of
 * its own.
 */
public final class StuckStopProbe {
    private StuckStopProbe() {}

    public static void main(String[] args) {
        System.out.println("ready");
        System.out.flush();
        Foreground.runUntilStopped(
                () -> {
                    while (true) {
                        try {
                            Thread.sleep(Long.MAX_VALUE);
                        } catch (InterruptedException e) {
                            // as a stuck close would: keep waiting
                        }
                    }
                },
                Duration.ofSeconds(Long.parseLong(args[0])));
    }
}
