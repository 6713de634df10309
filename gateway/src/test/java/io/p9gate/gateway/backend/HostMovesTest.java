package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
 * A share that watches moves made on the host ({@link HostMoves}): a host's rename advances its counter; events lost
 * to an overflowing queue advance it too; and a directory that cannot be watched covers nothing, so the handles
 * beneath it ask the kernel at each request instead of remembering a path no event would outdate.
 */
class HostMovesTest {
    @TempDir
    Path tmp;

    private Path dir;
    private ShareRoot share;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createDirectories(tmp.resolve("share"));
        Files.createDirectories(dir.resolve("pub/d"));
        Files.createDirectories(dir.resolve("vault"));
        Files.writeString(dir.resolve("pub/d/f"), "f");
        share = ShareRoot.open(dir, new QidMapper());
        share.watchMoves();
    }

    @AfterEach
    void tearDown() {
        share.close();
    }

    @Test
    void aRenameByTheHostAdvancesTheCounterOfTheShareThatWatchesIt() throws Exception {
        try (Node root = share.root();
                Node pub = share.lookup(root, "pub");
                Node d = share.lookup(pub, "d");
                Node f = share.lookup(d, "f")) {
            assertEquals("pub/d/f", f.pathAt(share.renames().now()), "learned from the walk, watched");

            Files.move(dir.resolve("pub/d"), dir.resolve("vault/d"));
            ShareRoot.awaitHostMovesSeen();

            assertNull(f.pathAt(share.renames().now()), "the host's move outdated it");
            assertEquals("vault/d/f", share.relativePath(f));
            assertEquals("vault/d/f", f.pathAt(share.renames().now()), "learned again, through watched directories");
        }
    }

    /** The host renames the share's own directory and moves a held directory into a new one at its old path. */
    @Test
    void theShareDirectoryRenamedByTheHostIsSeen() throws Exception {
        try (Node root = share.root();
                Node pub = share.lookup(root, "pub");
                Node d = share.lookup(pub, "d")) {
            Files.move(dir, tmp.resolve("share-old"));
            Files.createDirectories(dir);
            Files.move(tmp.resolve("share-old/pub/d"), dir.resolve("d"));
            ShareRoot.awaitHostMovesSeen();

            assertEquals(
                    Errno.EACCES,
                    assertThrows(P9Exception.class, () -> share.relativePath(d)).errno(),
                    "outside the directory the share serves");
        }
    }

    @Test
    void eventsLostToAnOverflowingQueueAdvanceTheCounter() throws Exception {
        try (Node root = share.root();
                Node pub = share.lookup(root, "pub")) {
            long before = share.renames().now();
            HostMoves.handleEvent(-1, HostMoves.IN_Q_OVERFLOW, null);
            assertNotEquals(before, share.renames().now());
            assertNull(pub.pathAt(share.renames().now()));
        }
    }

    /**
     * The kernel merges identical events queued back to back: two unlinks of one name by the gateway may leave one
     * event. The second unlink's credit must not pass the host's next unlink of that name (its `ln f vault/f; rm f`) for the gateway's own.
     */
    @Test
    void twoOwnUnlinksWhoseEventsTheKernelMergedLeaveNoCreditForTheHostsNext() throws Exception {
        try (Node root = share.root()) {
            share.lookup(root, "pub").close(); // a name looked up in the root: the root is watched
            int wd = HostMoves.watchOf(root);
            assertNotEquals(-1, wd, "the root is watched: pub was looked up in it");
            HostMoves.own(root, "x", HostMoves.IN_DELETE, () -> {});
            HostMoves.own(root, "x", HostMoves.IN_DELETE, () -> {});
            HostMoves.handleEvent(wd, HostMoves.IN_DELETE, "x"); // the two, merged

            long before = share.renames().now();
            HostMoves.handleEvent(wd, HostMoves.IN_DELETE, "x"); // the host's
            assertNotEquals(before, share.renames().now(), "the host's unlink taken for the gateway's");
        }
    }

    /** An unlink's credit is not a rename's: the host's move of the name is seen while the gateway unlinks it. */
    @Test
    void anOwnUnlinksCreditDoesNotPassTheHostsRenameOfTheName() throws Exception {
        try (Node root = share.root()) {
            share.lookup(root, "pub").close(); // a name looked up in the root: the root is watched
            int wd = HostMoves.watchOf(root);
            assertNotEquals(-1, wd, "the root is watched: pub was looked up in it");
            HostMoves.own(root, "y", HostMoves.IN_DELETE, () -> {});
            long before = share.renames().now();
            HostMoves.handleEvent(wd, HostMoves.IN_MOVED_FROM, "y");
            assertNotEquals(before, share.renames().now(), "the host's rename taken for the gateway's unlink");
        }
    }

    /** Events lost to an overflow may include an own change's: its credit must not take the host's next event. */
    @Test
    void anOverflowDropsTheCreditsOfOwnChanges() throws Exception {
        try (Node root = share.root()) {
            share.lookup(root, "pub").close(); // a name looked up in the root: the root is watched
            int wd = HostMoves.watchOf(root);
            assertNotEquals(-1, wd, "the root is watched: pub was looked up in it");
            HostMoves.own(root, "z", HostMoves.IN_DELETE, () -> {});
            HostMoves.handleEvent(-1, HostMoves.IN_Q_OVERFLOW, null); // the own unlink's event among those lost
            long before = share.renames().now();
            HostMoves.handleEvent(wd, HostMoves.IN_DELETE, "z");
            assertNotEquals(before, share.renames().now(), "the host's unlink taken for the gateway's lost one");
        }
    }

    /** A VM whose budget has no room for a watch: the directory is not watched, and nothing beneath it remembered. */
    @Test
    void aDirectoryThatCannotBeWatchedMakesItsHandlesAskTheKernelEachTime() throws Exception {
        try (ShareRoot fresh = ShareRoot.open(dir, new QidMapper())) {
            fresh.watchMoves();
            ScopedValue.where(VmBudget.CURRENT, withNoRoomForAWatch()).call(() -> {
                try (Node root = fresh.root();
                        Node pub = fresh.lookup(root, "pub")) {
                    assertNull(pub.pathAt(fresh.renames().now()), "the root could not be watched");
                    long asked = fresh.kernelLookups();
                    assertEquals("pub", fresh.relativePath(pub));
                    assertEquals("pub", fresh.relativePath(pub));
                    assertEquals(asked + 2, fresh.kernelLookups(), "asked of the kernel at each request");

                    Files.move(dir.resolve("pub"), dir.resolve("vault/pub"));
                    assertEquals("vault/pub", fresh.relativePath(pub), "no event needed");
                }
                return null;
            });
        }
    }

    @Test
    void aShareThatWatchesStillRemembersPathsOnceWatched() throws Exception {
        try (Node root = share.root();
                Node pub = share.lookup(root, "pub")) {
            assertNotNull(pub.pathAt(share.renames().now()));
            long asked = share.kernelLookups();
            assertEquals("pub", share.relativePath(pub));
            assertEquals(asked, share.kernelLookups(), "no system call for a remembered path");
        }
    }

    /** No room in its remembered-path bytes for even one watch: one fid's, already taken. */
    private static VmBudget withNoRoomForAWatch() throws Exception {
        VmBudget vm = RememberedPathBudgetTest.withFids(1);
        vm.rememberedPaths().acquire(vm.rememberedPaths().limit());
        return vm;
    }
}
