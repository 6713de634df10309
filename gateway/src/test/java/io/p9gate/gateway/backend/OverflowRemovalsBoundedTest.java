package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An overflow of a VM's queue under the host's steady churn must not turn into a loop. Before, it removed every watch
 * of the instance, each removal queueing one IN_IGNORED on that same queue; now it forgets only the watches the kernel
 * no longer holds ({@link KernelWatches}), removing none: the overflow's handling queues nothing of its own, the
 * watches the kernel kept stay, and once it is handled the queue stays quiet (OverlappingShareOverflowAttackTest).
 */
class OverflowRemovalsBoundedTest {
    private static final int DIRS = 300;

    @TempDir
    Path tmp;

    private ShareRoot share;

    @BeforeEach
    void setUp() throws Exception {
        for (int i = 0; i < DIRS; i++) {
            Files.createDirectories(tmp.resolve("share/d" + i));
        }
        share = ShareRoot.open(tmp.resolve("share"), new QidMapper());
        share.watchMoves();
    }

    @AfterEach
    void tearDown() {
        share.close();
    }

    @Test
    void theHostsChurnAfterAnOverflowQueuesNothingMore() throws Exception {
        int queue = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/fs/inotify/max_queued_events"))
                .getFirst()
                .strip());
        assumeTrue(queue <= 65536, "fs.inotify.max_queued_events too large to fill here");
        ScopedValue.where(VmBudget.CURRENT, VmBudget.unlimited("churned")).call(() -> {
            try (Node root = share.root()) {
                for (int i = 0; i < DIRS; i++) {
                    try (Node d = share.lookup(root, "d" + i)) {
                        share.lookup(d, "x").close();
                    } catch (P9Exception e) {
                        assertEquals(Errno.ENOENT, e.errno());
                    }
                }
            }
            return null;
        });
        ShareRoot.awaitHostMovesSeen();
        assertEquals(DIRS + 1, HostMoves.watchedBy(share), "the root and every directory watched");

        long read = HostMoves.eventsRead();
        churn(queue + 8192, "a"); // past the queue and what the reader takes in before it stops at the hold
        ShareRoot.awaitHostMovesSeen();
        assertTrue(HostMoves.eventsRead() - read < queue + 8192L, "the queue overflowed");
        assertEquals(DIRS + 1, HostMoves.watchedBy(share), "watches the kernel kept, given up after the overflow");
        assertEquals(0, HostMoves.droppedUnreadForTests(), "removed watches whose IN_IGNORED is still awaited");
        assertQuietAfter();

        churn(queue + 8192, "b"); // the host goes on as before: as much again, one more overflow
        ShareRoot.awaitHostMovesSeen();
        assertEquals(DIRS + 1, HostMoves.watchedBy(share), "watches after the second overflow");
        assertQuietAfter();
    }

    /** Once an overflow is handled, nothing more is queued: no removal's IN_IGNORED, no advance. */
    private void assertQuietAfter() throws Exception {
        long epoch = share.renames().now();
        long read = HostMoves.eventsRead();
        ShareRoot.awaitHostMovesSeen();
        assertEquals(0, HostMoves.eventsRead() - read, "events queued by the overflow's own handling");
        assertEquals(epoch, share.renames().now(), "the share advanced again after the overflow was handled");
    }

    /** The host makes {@code events} files in the root and the directories, the reader held meanwhile. */
    private void churn(int events, String prefix) throws Exception {
        HostMoves.holdForTests.lock();
        try {
            for (int i = 0; i < events; i++) {
                Path dir = i % 2 == 0 ? tmp.resolve("share") : tmp.resolve("share/d" + (i % DIRS));
                Files.createFile(dir.resolve(prefix + i));
            }
        } finally {
            HostMoves.holdForTests.unlock();
        }
    }
}
