package io.p9gate.policy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A policy file or a policy test file that is no regular file is refused on one line, before it is
 * opened: a FIFO blocked every policy tool in open(2) for ever, and a device such as {@code /dev/zero} was read
 * until the heap ran out (the tool then said it ran out of memory, having decided nothing).
 */
class PolicyFileKindTest {
    private static final String NOT_REGULAR = "is a FIFO, socket or device";

    @TempDir
    Path dir;

    private Path fifo(String name) throws Exception {
        Path fifo = dir.resolve(name);
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, p.waitFor(), "mkfifo");
        return fifo;
    }

    private static void assertRefused(CliRun r, String command, Path file) {
        assertEquals(2, r.exit(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("p9gate policy " + command + ": error: " + file), r.err());
        assertTrue(r.err().contains(NOT_REGULAR), r.err());
    }

    @Test
    void aFifoAsThePolicyIsRefusedWithoutOpeningIt() throws Exception {
        Path fifo = fifo("p.yaml");
        assertRefused(CliRun.of("check", fifo.toString()), "check", fifo);
        assertRefused(
                CliRun.of("explain", fifo.toString(), "--vm", "vm1", "--op", "WALK", "--path", "/"), "explain", fifo);
    }

    @Test
    void aFifoAsTheTestFileIsRefused() throws Exception {
        Path tests = fifo("p.tests.yaml");
        assertRefused(CliRun.of("test", tests.toString()), "test", tests);
    }

    /** In a JVM of 32 MB, as the launcher runs the tools: before, /dev/zero ran it out of memory (exit 70). */
    @Test
    void aDeviceAsThePolicyIsRefusedNotReadUntilTheHeapIsFull() throws Exception {
        Process p = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx32m",
                        "-XX:+UseSerialGC",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.p9gate.policy.cli.PolicyCommand",
                        "check",
                        "/dev/zero"))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, p.waitFor(), out);
        assertEquals("p9gate policy check: error: /dev/zero: " + NOT_REGULAR, out.strip());
    }
}
