package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.budget.VmBudget;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile VM makes and removes directories in a directory its share watches, as its policy allows (4 events a
 * pair: IN_CREATE of the staging name, IN_MOVED_FROM and IN_MOVED_TO of its rename, IN_DELETE), while the reader is
 * behind, until the kernel's queue overflows at the host's real {@code fs.inotify.max_queued_events}. The events lost
 * must cost only the VM that queued them. Before, one inotify instance served every VM ({@link HostMoves}), and its
 * overflow advanced every watching share: the other VM's handles all asked the kernel again.
 */
class WatchQueueOverflowAttackTest {
    @TempDir
    Path tmp;

    private ShareRoot hostileShare;
    private ShareRoot victimShare;

    @BeforeEach
    void setUp() throws Exception {
        Files.createDirectories(tmp.resolve("hostile/pub"));
        Files.createDirectories(tmp.resolve("victim/pub"));
        hostileShare = ShareRoot.open(tmp.resolve("hostile"), new QidMapper());
        hostileShare.watchMoves();
        victimShare = ShareRoot.open(tmp.resolve("victim"), new QidMapper());
        victimShare.watchMoves();
    }

    @AfterEach
    void tearDown() {
        hostileShare.close();
        victimShare.close();
    }

    @Test
    void anOverflowOfWhatTheHostileVmQueuedLeavesTheOtherVmsPathsAlone() throws Exception {
        int queue = maxQueuedEvents();
        assumeTrue(queue <= 65536, "fs.inotify.max_queued_events too large to fill here");
        int pairs = queue / 4 + 1024; // past the queue by about 4,000 events
        VmBudget victim = VmBudget.unlimited("victim");
        try (Node pub = ScopedValue.where(VmBudget.CURRENT, victim).call(() -> {
            try (Node root = victimShare.root()) {
                return victimShare.lookup(root, "pub");
            }
        })) {
            assertEquals("pub", pub.pathAt(victimShare.renames().now()), "remembered, watched");
            ShareRoot.awaitHostMovesSeen();
            long victimEpoch = victimShare.renames().now();
            long read = HostMoves.eventsRead();

            HostMoves.holdForTests.lock(); // the reader is behind: what the requests queue stays queued
            try {
                ScopedValue.where(VmBudget.CURRENT, VmBudget.unlimited("hostile"))
                        .call(() -> {
                            Entries entries = new Entries(hostileShare);
                            try (Node root = hostileShare.root();
                                    Node dir = hostileShare.lookup(root, "pub")) {
                                for (int i = 0; i < pairs; i++) {
                                    entries.mkdir(dir, "m" + i, 0755, (made, stat) -> {})
                                            .close();
                                    entries.unlinkAt(dir, "m" + i, true);
                                }
                            }
                            return null;
                        });
            } finally {
                HostMoves.holdForTests.unlock();
            }
            ShareRoot.awaitHostMovesSeen();

            long events = HostMoves.eventsRead() - read;
            assertTrue(events < 4L * pairs - 1024, events + " events read of " + 4L * pairs + ": the queue overflowed");
            assertEquals(0, victimShare.renames().now() - victimEpoch, "advances of the other VM's share");
            assertEquals("pub", pub.pathAt(victimShare.renames().now()), "the other VM's path still remembered");
        }
    }

    private static int maxQueuedEvents() throws Exception {
        return Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/fs/inotify/max_queued_events"))
                .getFirst()
                .strip());
    }
}
