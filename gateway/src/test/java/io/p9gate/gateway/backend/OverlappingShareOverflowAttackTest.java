package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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
 * A hostile VM's share lies inside a victim VM's share, whose walks watch its directories: the hostile VM's own
 * requests there (4 events a mkdir and unlink of a directory) queue on the victim's inotify queue too, and overflow it
 * while the victim's reader is behind. The victim lost every watch at each such overflow (up to 8,192, removed on its
 * reader's thread, each removal one more IN_IGNORED on its own queue), the cost of the hostile VM's requests. An
 * overflow must cost the victim no more than what events lost cost: its paths learned again, its watches kept, and a
 * host move in its watched tree still seen.
 */
class OverlappingShareOverflowAttackTest {
    private static final int DIRS = 100;

    @TempDir
    Path tmp;

    private ShareRoot victimShare;
    private ShareRoot hostileShare;

    @BeforeEach
    void setUp() throws Exception {
        for (int i = 0; i < DIRS; i++) {
            Files.createDirectories(tmp.resolve("outer/inner/d" + i));
        }
        Files.writeString(tmp.resolve("outer/inner/d0/f"), "f");
        victimShare = ShareRoot.open(tmp.resolve("outer"), new QidMapper());
        victimShare.watchMoves();
        hostileShare = ShareRoot.open(tmp.resolve("outer/inner"), new QidMapper());
        hostileShare.watchMoves();
    }

    @AfterEach
    void tearDown() {
        victimShare.close();
        hostileShare.close();
    }

    @Test
    void anOverflowTheHostileVmCausedLeavesTheVictimItsWatches() throws Exception {
        int queue = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/fs/inotify/max_queued_events"))
                .getFirst()
                .strip());
        assumeTrue(queue <= 65536, "fs.inotify.max_queued_events too large to fill here");
        VmBudget victim = VmBudget.unlimited("victim");
        try (Node f = ScopedValue.where(VmBudget.CURRENT, victim).call(this::victimWalksEveryDirectory)) {
            ShareRoot.awaitHostMovesSeen();
            assertEquals(DIRS + 2, HostMoves.watchedBy(victimShare), "the root, inner and every d watched");
            long epoch = victimShare.renames().now();
            long read = HostMoves.eventsRead();

            int pairs = queue / 4 + 1024; // past the queue by about 4,000 events
            HostMoves.holdForTests.lock(); // the victim's reader is behind
            try {
                ScopedValue.where(VmBudget.CURRENT, VmBudget.unlimited("hostile"))
                        .call(() -> {
                            Entries entries = new Entries(hostileShare);
                            try (Node root = hostileShare.root()) {
                                for (int i = 0; i < pairs; i++) {
                                    entries.mkdir(root, "m" + i, 0755, (made, stat) -> {})
                                            .close();
                                    entries.unlinkAt(root, "m" + i, true);
                                }
                            }
                            return null;
                        });
            } finally {
                HostMoves.holdForTests.unlock();
            }
            ShareRoot.awaitHostMovesSeen();
            assertTrue(HostMoves.eventsRead() - read < 8L * pairs, "the queues overflowed");
            assertTrue(victimShare.renames().now() > epoch, "the victim's events lost: its paths learned again");
            assertNull(f.pathAt(victimShare.renames().now()), "a path kept across lost events");

            assertEquals(
                    DIRS + 2,
                    HostMoves.watchedBy(victimShare),
                    "the victim's watches after an overflow the hostile VM's requests caused");

            // Still sound: the host moves d0, in a directory the victim watches.
            assertEquals(
                    "inner/d0/f", ScopedValue.where(VmBudget.CURRENT, victim).call(() -> victimShare.relativePath(f)));
            Files.move(tmp.resolve("outer/inner/d0"), tmp.resolve("outer/inner/e0"));
            ShareRoot.awaitHostMovesSeen();
            assertNull(f.pathAt(victimShare.renames().now()), "the host's move after the overflow went unseen");
            assertEquals(
                    "inner/e0/f", ScopedValue.where(VmBudget.CURRENT, victim).call(() -> victimShare.relativePath(f)));
        }
    }

    /** The victim looks up inner, every d and a name in each (each watched); returns its handle of inner/d0/f. */
    private Node victimWalksEveryDirectory() throws Exception {
        try (Node root = victimShare.root();
                Node inner = victimShare.lookup(root, "inner")) {
            for (int i = 0; i < DIRS; i++) {
                try (Node d = victimShare.lookup(inner, "d" + i)) {
                    victimShare.lookup(d, "x").close();
                } catch (P9Exception e) {
                    assertEquals(Errno.ENOENT, e.errno());
                }
            }
            try (Node d0 = victimShare.lookup(inner, "d0")) {
                return victimShare.lookup(d0, "f");
            }
        }
    }
}
