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
 * An overflow of a VM's queue removes every watch of its instance ({@link HostMoves}), each removal queueing one
 * IN_IGNORED on that same queue. That cannot turn into a loop under the host's steady churn: once the overflow is
 * handled the instance watches nothing, so the host's changes queue nothing more until the VM's own requests watch
 * directories again, and the removals' IN_IGNORED are all read (none awaited for ever).
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
        assertEquals(0, HostMoves.watchedBy(share), "watches left after the overflow");
        assertEquals(0, HostMoves.droppedUnreadForTests(), "removed watches whose IN_IGNORED is still awaited");

        long epoch = share.renames().now();
        read = HostMoves.eventsRead();
        churn(queue + 8192, "b"); // the host goes on as before: as much again
        ShareRoot.awaitHostMovesSeen();
        assertEquals(0, HostMoves.eventsRead() - read, "events queued by the host's churn after the overflow");
        assertEquals(epoch, share.renames().now(), "the share advanced again: another overflow");
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
