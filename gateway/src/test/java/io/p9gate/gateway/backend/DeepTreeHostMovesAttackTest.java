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
 * A VM holds a handle deeper than its share may watch directories ({@link HostMoves}: a chain of nested directories
 * longer than the cap). Each request on the handle asks the kernel for its path; remembering it would need more
 * watches than the share may hold. Before, every such request started the share over (its watches removed, about
 * one event each for the single reader every VM shares), and enough of them while the reader was behind overflowed
 * the kernel's queue: every watching share, another VM's too, forgot its paths.
 */
class DeepTreeHostMovesAttackTest {
    /** Deeper than the cap of a VM with few fids ({@link HostMoves#MIN_WATCHES}). */
    private static final int DEPTH = HostMoves.MIN_WATCHES + 76;

    private static final String DEEP_PATH = "d/".repeat(DEPTH - 1) + "d";

    @TempDir
    Path tmp;

    private ShareRoot deep;
    private ShareRoot other;
    private final VmBudget hostile = RememberedPathBudgetTest.withFids(1); // a cap of MIN_WATCHES

    @BeforeEach
    void setUp() throws Exception {
        Files.createDirectories(tmp.resolve("deep").resolve(DEEP_PATH));
        Files.createDirectories(tmp.resolve("other/pub"));
        deep = ShareRoot.open(tmp.resolve("deep"), new QidMapper());
        deep.watchMoves();
        other = ShareRoot.open(tmp.resolve("other"), new QidMapper());
        other.watchMoves();
    }

    @AfterEach
    void tearDown() throws Exception {
        deep.close();
        other.close();
        // Flattened, each level moved up next to the share: the temporary directory's own deletion resolves each
        // entry's whole path, and took a minute on the chain.
        Path level = tmp.resolve("deep");
        for (int i = 0; i < DEPTH; i++) {
            level = Files.move(level.resolve("d"), tmp.resolve("level" + i));
        }
    }

    @Test
    void requestsOnAHandleDeeperThanTheCapStartItsShareOverNoMore() throws Exception {
        ScopedValue.where(VmBudget.CURRENT, hostile).call(() -> {
            try (Node d = walkDown()) {
                assertEquals(DEEP_PATH, deep.relativePath(d));
                ShareRoot.awaitHostMovesSeen();
                long epoch = deep.renames().now();
                int watched = HostMoves.watchedBy(deep);
                long read = HostMoves.eventsRead();
                for (int i = 0; i < 5; i++) {
                    assertEquals(DEEP_PATH, deep.relativePath(d), "asked of the kernel");
                }
                ShareRoot.awaitHostMovesSeen();
                assertEquals(0, HostMoves.eventsRead() - read, "events read for 5 requests");
                assertEquals(0, deep.renames().now() - epoch, "starts over made by 5 requests on the deep handle");
                assertEquals(watched, HostMoves.watchedBy(deep), "the share's watches kept");
            }
            return null;
        });
    }

    @Test
    void requestsOnADeepHandleWhileTheReaderIsBehindLeaveAnotherVmsPathsAlone() throws Exception {
        // Enough requests to fill the kernel's queue and the reader's buffer at one event per removed watch.
        int requests = (maxQueuedEvents() + 64 * 1024 / 16) / HostMoves.MIN_WATCHES + 2;
        assumeTrue(requests <= 64, "fs.inotify.max_queued_events too large to fill here");
        long otherEpoch = ScopedValue.where(VmBudget.CURRENT, VmBudget.unlimited("other"))
                .call(() -> {
                    try (Node root = other.root();
                            Node pub = other.lookup(root, "pub")) {
                        assertEquals("pub", pub.pathAt(other.renames().now()), "remembered, watched");
                    }
                    return other.renames().now();
                });
        ScopedValue.where(VmBudget.CURRENT, hostile).call(() -> {
            try (Node d = walkDown()) {
                HostMoves.holdForTests.lock(); // the reader is behind: what the requests queue stays queued
                try {
                    for (int i = 0; i < requests; i++) {
                        assertEquals(DEEP_PATH, deep.relativePath(d));
                    }
                } finally {
                    HostMoves.holdForTests.unlock();
                }
            }
            return null;
        });
        ShareRoot.awaitHostMovesSeen();
        assertEquals(0, other.renames().now() - otherEpoch, "advances of the other VM's share");
    }

    /**
     * After the above, what one VM's requests queue is a few events each: a flood of mkdirs and unlinks in a watched
     * directory queues at most 3 a request (IN_CREATE of the staging name, IN_MOVED_FROM and IN_MOVED_TO of its
     * rename; IN_DELETE), so overflowing the kernel's queue (16,384 by default) takes thousands of requests while the
     * reader reads nothing, which no VM decides. Each event costs the reader constant work.
     */
    @Test
    void aFloodOfMakesAndUnlinksQueuesAFewEventsPerRequest() throws Exception {
        int pairs = 200;
        long otherEpoch = other.renames().now();
        long events = ScopedValue.where(VmBudget.CURRENT, hostile).call(() -> {
            Entries entries = new Entries(deep);
            try (Node root = deep.root()) {
                deep.lookup(root, "d").close(); // a name looked up in the root: the root is watched
                ShareRoot.awaitHostMovesSeen();
                long read = HostMoves.eventsRead();
                for (int i = 0; i < pairs; i++) {
                    entries.mkdir(root, "m" + i, 0755, (made, stat) -> {}).close();
                    entries.unlinkAt(root, "m" + i, true);
                }
                ShareRoot.awaitHostMovesSeen();
                return HostMoves.eventsRead() - read;
            }
        });
        assertTrue(events <= 3L * 2 * pairs, events + " events read for " + 2 * pairs + " requests");
        assertEquals(0, other.renames().now() - otherEpoch, "advances of the other VM's share");
    }

    /** The handle of the deepest directory, walked to one name at a time. */
    private Node walkDown() throws Exception {
        return walkDown(deep, deep.root(), DEPTH);
    }

    /** The handle {@code depth} directories named d below {@code dir} (whose reference it takes), one at a time. */
    static Node walkDown(ShareRoot share, Node dir, int depth) throws Exception {
        for (int i = 0; i < depth; i++) {
            Node next;
            try {
                next = share.lookup(dir, "d");
            } finally {
                dir.close();
            }
            dir = next;
        }
        return dir;
    }

    private static int maxQueuedEvents() throws Exception {
        return Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/fs/inotify/max_queued_events"))
                .getFirst()
                .strip());
    }
}
