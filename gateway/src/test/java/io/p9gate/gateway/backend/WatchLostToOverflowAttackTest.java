package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host removes a watched directory while the VM's inotify queue is full ({@link HostMoves}): the kernel removes
 * the watch, and its IN_IGNORED is lost with the other events, only IN_Q_OVERFLOW telling of them. A watch left
 * recorded then holds a place of the gateway's for good, and takes its directory's inode number, once the file
 * system gives it to another directory, for watched: host moves in that directory would go unseen, and handles
 * below it would be decided on the paths they remembered.
 */
class WatchLostToOverflowAttackTest {
    @TempDir
    Path tmp;

    private ShareRoot share;

    @BeforeEach
    void setUp() throws Exception {
        Files.createDirectories(tmp.resolve("share/d"));
        share = ShareRoot.open(tmp.resolve("share"), new QidMapper());
        share.watchMoves();
    }

    @AfterEach
    void tearDown() {
        share.close();
    }

    @Test
    void aWatchWhoseIgnoredWasLostIsNotKept() throws Exception {
        int queue = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/fs/inotify/max_queued_events"))
                .getFirst()
                .strip());
        assumeTrue(queue <= 65536, "fs.inotify.max_queued_events too large to fill here");
        FileKey d = ScopedValue.where(VmBudget.CURRENT, VmBudget.unlimited("overflowed"))
                .call(() -> {
                    try (Node root = share.root();
                            Node dn = share.lookup(root, "d")) {
                        assertThrows(
                                P9Exception.class, () -> share.lookup(dn, "x").close()); // d watched
                        return dn.key();
                    }
                });
        ShareRoot.awaitHostMovesSeen();
        assertNotEquals(-1, HostMoves.watchOf(d), "d watched");
        int watches = HostMoves.watches();
        long read = HostMoves.eventsRead();
        int made = queue + 8192; // past the queue and what the reader takes in before it stops at the hold
        HostMoves.holdForTests.lock(); // the reader is behind: what the host does stays queued
        try {
            for (int i = 0; i < made; i++) {
                Files.createFile(tmp.resolve("share/f" + i)); // IN_CREATE each, in the watched root
            }
            Files.delete(tmp.resolve("share/d")); // its IN_DELETE_SELF and IN_IGNORED lost
        } finally {
            HostMoves.holdForTests.unlock();
        }
        ShareRoot.awaitHostMovesSeen();
        assertTrue(HostMoves.eventsRead() - read < made, "the queue overflowed");
        assertEquals(-1, HostMoves.watchOf(d), "the removed directory's inode number still taken for watched");
        assertTrue(HostMoves.watches() < watches, "the removed directory's watch still held");
    }
}
