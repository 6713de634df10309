package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every request of the metadata workload stats one to four inodes (issue 11: the walk's lookup, Tgetattr, a
 * create's directory before and after, an unlink's victim and directory): what a stat allocates besides its result
 * is paid per call. A stat that succeeds builds no error message, and reading its type copies no array. Counted in
 * bytes allocated by the calling thread ({@code ThreadMXBean}), not timed; the least of several rounds counts.
 */
class StatAllocationTest {
    private static final int STATS = 10_000;
    /**
     * Rounds measured; the fewest bytes of a round count. A round run before the JIT has compiled the path (a loaded
     * machine compiles late) allocates what escape analysis would remove.
     */
    private static final int ROUNDS = 10;
    /**
     * Bytes per stat and type allowed. Before 739 (the message {@code "statx " + name} made for every call, a second
     * confined arena for the statx buffer, {@code FileType.values()} copied per type); after 532 alone, 584 with
     * the merges after it, and 664 in the same JVM after tests that give the syscall seams other implementations
     * (the call sites' profiles then inline less, so escape analysis removes less). What is left: the FileStat and its
     * four times, the call's arena, the name's C string.
     */
    private static final long BUDGET = 700;

    @TempDir
    Path tmp;

    @Test
    void aStatOfANamedEntryAllocatesOnlyItsResultAndArenas() throws Exception {
        String file = Files.writeString(tmp.resolve("some-file-name"), "x").toString();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long fewest = Long.MAX_VALUE;
        for (int round = 0; round < ROUNDS; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < STATS; i++) {
                statOnce(file);
            }
            fewest = Math.min(fewest, (threads.getCurrentThreadAllocatedBytes() - before) / STATS);
        }
        assertTrue(fewest <= BUDGET, "a stat allocated at least " + fewest + " bytes, budget " + BUDGET);
    }

    private static void statOnce(String file) throws Exception {
        FileStat stat = Inodes.statOfHostPath(file);
        assertEquals(FileType.REGULAR, stat.type());
    }
}
