package io.p9gate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A listing of a large directory costs per entry (issue 11): packing entries within a Treaddir's count must not
 * encode each name into a throw-away byte array every time its size is asked (the reader and the visibility filter
 * ask four times an entry). Counted in bytes allocated by the serving thread ({@code ThreadMXBean}) over whole
 * listings of 1,000 entries, not timed; the least of several rounds counts.
 */
class ReaddirAllocationTest extends ShareTestBase {
    private static final int ENTRIES = 1_000;
    private static final int ROUNDS = 12;
    /**
     * Bytes per listed entry allowed (a bare share). Before 645-669 (the name encoded at each of the four size
     * questions); then 513, with escape analysis on or off; 456 since the qid map keeps its last device (no boxed
     * device number and lambda per qid). What is left: the name, the entry and its qid (twice: the reader's and the
     * filter's), the filter's verdict, the reply's list.
     */
    private static final long BUDGET = 490;

    @Override
    void populate() throws Exception {
        Path big = Files.createDirectories(share.resolve("big"));
        for (int i = 0; i < ENTRIES; i++) {
            Files.writeString(big.resolve("entry-name-" + i), "");
        }
    }

    @Test
    void listingALargeDirectoryAllocatesLittlePerEntry() throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        s.walk(TestSession.ROOT, 1, "big");
        s.lopen(1, 0);
        long fewest = Long.MAX_VALUE;
        for (int round = 0; round < ROUNDS; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            int listed = listAll();
            fewest = Math.min(fewest, (threads.getCurrentThreadAllocatedBytes() - before) / listed);
            assertEquals(ENTRIES + 2, listed);
        }
        assertTrue(fewest <= BUDGET, "an entry cost at least " + fewest + " bytes, budget " + BUDGET);
    }

    private int listAll() throws Exception {
        int listed = 0;
        long offset = 0;
        while (true) {
            List<DirEntry> entries = ((RMessage.Rreaddir) s.call(new TMessage.Treaddir(1, offset, 8192))).entries();
            if (entries.isEmpty()) {
                return listed;
            }
            listed += entries.size();
            offset = entries.getLast().offset();
        }
    }
}
