package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every 9P request makes one to six system calls through {@link LinuxSyscalls}, each needing native memory for its
 * errno capture and its C strings (issue 11). A platform thread reuses its own scratch memory for them instead of
 * opening and closing a confined arena per call (an arena, its session, a malloc and a free, and the cleanup list's
 * nodes). Counted in bytes allocated by the calling thread ({@code ThreadMXBean}), not timed; the least of several
 * rounds counts (a round run before the JIT has compiled the path allocates what escape analysis would remove).
 */
class SyscallArenaAllocationTest {
    private static final int CALLS = 20_000;
    private static final int ROUNDS = 10;
    /**
     * Bytes per call that names nothing (lseek). Before 192 (an arena per call); after 104 with escape analysis off
     * (-XX:-DoEscapeAnalysis) or a call site's profile polluted by other tests: the call's lambda and the slices'
     * segment objects; ~0 when the JIT removes those.
     */
    private static final long BARE_BUDGET = 128;
    /** Bytes per call that passes a name (fchmodat of a file to its own mode). Before 248; after 40, or 152 as above. */
    private static final long NAMED_BUDGET = 176;

    @TempDir
    Path tmp;

    @Test
    void aCallWithoutANameAllocatesNoArena() throws Exception {
        Path file = Files.writeString(tmp.resolve("f"), "x");
        int fd = LinuxSyscalls.openat(LinuxSyscalls.AT_FDCWD, file.toString(), LinuxSyscalls.O_RDONLY, 0);
        try {
            long fewest = fewestBytesPerCall(() -> assertEquals(0, LinuxSyscalls.lseek(fd, 0)));
            assertTrue(
                    fewest <= BARE_BUDGET, "an lseek allocated at least " + fewest + " bytes, budget " + BARE_BUDGET);
        } finally {
            LinuxSyscalls.close(fd);
        }
    }

    @Test
    void aCallWithANameAllocatesNoArena() throws Exception {
        Files.writeString(tmp.resolve("some-file-name"), "x");
        int dir = LinuxSyscalls.openat(
                LinuxSyscalls.AT_FDCWD, tmp.toString(), LinuxSyscalls.O_RDONLY | LinuxSyscalls.O_DIRECTORY, 0);
        try {
            long fewest = fewestBytesPerCall(() -> LinuxSyscalls.fchmodat(dir, "some-file-name", 0644, 0));
            assertTrue(
                    fewest <= NAMED_BUDGET,
                    "a fchmodat allocated at least " + fewest + " bytes, budget " + NAMED_BUDGET);
        } finally {
            LinuxSyscalls.close(dir);
        }
    }

    @FunctionalInterface
    private interface Call {
        void run() throws Exception;
    }

    private static long fewestBytesPerCall(Call call) throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long fewest = Long.MAX_VALUE;
        for (int round = 0; round < ROUNDS; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < CALLS; i++) {
                call.run();
            }
            fewest = Math.min(fewest, (threads.getCurrentThreadAllocatedBytes() - before) / CALLS);
        }
        return fewest;
    }
}
