package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 ("a shutdown that works under memory pressure"): SIGTERM ends the process within a bound even when
 * the orderly stop hangs. Liveness, not speed: the bound waited for is generous.
 */
class ShutdownDeadlineTest {

    @TempDir
    Path tmp;

    /**
     * The gateway's close waits a bounded time for each step a stuck loop or worker can hold; all of them together
     * must leave time, before the halt, for the audit log's final checkpoint (R-DEP-2). With 10 s a step, a loop
     * and a worker stuck on a hung mount took the whole 30 s and the checkpoint was never signed.
     */
    @Test
    void theGatewaysLongestCloseLeavesTimeForTheFinalCheckpoint() {
        Duration left = ShutdownDeadline.DEFAULT.minus(io.p9gate.gateway.server.Gateway.LONGEST_CLOSE);
        assertTrue(left.compareTo(Duration.ofSeconds(5)) >= 0, "left for the final checkpoint: " + left);
    }

    @Test
    void sigtermEndsAProcessWhoseStopHangsByTheDeadline() throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path output = tmp.resolve("probe.out");
        Process probe = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        classPath,
                        StuckStopProbe.class.getName(),
                        "1"))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        try {
            for (int i = 0; i < 3000 && !Files.readString(output).contains("ready"); i++) {
                Thread.sleep(10);
            }
            probe.destroy(); // SIGTERM
            assertTrue(probe.waitFor(60, TimeUnit.SECONDS), "still running after SIGTERM");
            assertEquals(ShutdownDeadline.EXIT_STATUS, probe.exitValue());
            assertTrue(
                    Files.readString(output).contains("did not finish within 1 s; halting"), Files.readString(output));
        } finally {
            probe.destroyForcibly();
        }
    }
}
