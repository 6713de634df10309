package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
     * The gateway unlinks {@code x} twice, the name made again between, before the reader reads either event: each
     * unlink has an event of its own (the make between keeps them apart in the kernel's queue), so neither is taken
     * for the host's (before, the second's note was the first's, and its event advanced the share: another VM's
     * create and unlink of one name in a loop advanced an overlapping share once a round). Their credits taken, the
     * host's unlink of that name right after (its `ln x vault/x; rm x`) is the host's.
     */
    @Test
    void twoOwnUnlinksOfOneNameHaveAnEventEachAndLeaveNoCreditForTheHostsNext() throws Exception {
        Path d = dir.resolve("pub/d");
        Files.writeString(d.resolve("dummy"), "");
        Files.writeString(d.resolve("x"), "");
        try (Node root = share.root();
                Node pub = share.lookup(root, "pub");
                Node dn = share.lookup(pub, "d")) {
            share.lookup(dn, "f").close(); // a name looked up in d: d is watched
            ShareRoot.awaitHostMovesSeen();
            long before = share.renames().now();
            HostMoves.holdForTests.lock();
            try {
                // Wakes the reader, which then waits at the hold outside read(2): what follows stays queued.
                HostMoves.own(dn, "dummy", HostMoves.IN_DELETE, () -> delete(d.resolve("dummy")));
                while (!HostMoves.holdForTests.hasQueuedThreads()) {
                    Thread.onSpinWait();
                }
                HostMoves.own(dn, "x", HostMoves.IN_DELETE, () -> delete(d.resolve("x")));
                Files.writeString(d.resolve("x"), "");
                HostMoves.own(dn, "x", HostMoves.IN_DELETE, () -> delete(d.resolve("x")));
            } finally {
                HostMoves.holdForTests.unlock();
            }
            ShareRoot.awaitHostMovesSeen();
            assertEquals(before, share.renames().now(), "an own unlink's event taken for the host's");

            Files.writeString(d.resolve("x"), ""); // the host's
            Files.createLink(dir.resolve("vault/x"), d.resolve("x"));
            delete(d.resolve("x"));
            ShareRoot.awaitHostMovesSeen();
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

    /**
     * rename(2) of a name onto a hard link of the same file does nothing and queues no event. A VM that makes one
     * (Tlink pub/d/f to pub/d/g, then Trenameat f onto g) must not leave a note that passes the host's next move of
     * pub/d/f (into the hidden vault, say) for the gateway's own.
     */
    @Test
    void aRenameOntoAHardLinkOfTheSameFileLeavesNoNoteForTheHostsMove() throws Exception {
        try (Node root = share.root();
                Node pub = share.lookup(root, "pub");
                Node d = share.lookup(pub, "d");
                Node f = share.lookup(d, "f")) {
            Entries entries = new Entries(share);
            entries.link(f, d, "g");
            entries.renameAt(d, "f", d, "g", true); // the same file: nothing happens, no event
            ShareRoot.awaitHostMovesSeen();
            assertEquals("pub/d/f", share.relativePath(f));
            assertEquals("pub/d/f", f.pathAt(share.renames().now()), "learned again, through watched directories");

            Files.move(dir.resolve("pub/d/f"), dir.resolve("vault/f"));
            ShareRoot.awaitHostMovesSeen();

            assertNull(f.pathAt(share.renames().now()), "the host's move taken for the gateway's rename");
        }
    }

    /**
     * The gateway's watches count against the host user's {@code fs.inotify.max_user_watches} with every other
     * inotify user of that user (root: systemd, udev). A VM walking into directory after directory takes up to half:
     * past it a directory is not watched, and the handles beneath it ask the kernel.
     */
    @Test
    void theGatewayLeavesHalfTheHostsWatchesToItsOtherUsers() throws Exception {
        try (Node root = share.root();
                Node pub = share.lookup(root, "pub")) {
            int held = HostMoves.watches();
            int limit = HostMoves.watchesAtMost(held); // as if the host allowed twice what is held
            try (Node d = share.lookup(pub, "d")) {
                assertEquals(-1, HostMoves.watchOf(pub), "a watch past half the host's");
                assertEquals(held, HostMoves.watches());
                assertNull(d.pathAt(share.renames().now()), "unwatched: asks the kernel");
            } finally {
                HostMoves.watchesAtMost(limit);
            }
        }
    }

    /**
     * The gateway unlinks {@code x}; before the reader reads that event, the host makes {@code x} again and unlinks
     * it. The two unlink events must not reach the reader as one (the kernel merges identical adjacent events), or
     * the host's would pass for the gateway's own.
     */
    @Test
    void theHostsUnlinkRightAfterTheGatewaysOfTheSameNameIsSeen() throws Exception {
        Path d = dir.resolve("pub/d");
        Files.writeString(d.resolve("dummy"), "");
        Files.writeString(d.resolve("x"), "");
        try (Node root = share.root();
                Node pub = share.lookup(root, "pub");
                Node dn = share.lookup(pub, "d")) {
            share.lookup(dn, "f").close(); // a name looked up in d: d is watched
            ShareRoot.awaitHostMovesSeen();
            HostMoves.holdForTests.lock();
            try {
                // Wakes the reader, which then waits at the hold outside read(2): what follows stays queued.
                HostMoves.own(dn, "dummy", HostMoves.IN_DELETE, () -> delete(d.resolve("dummy")));
                while (!HostMoves.holdForTests.hasQueuedThreads()) {
                    Thread.onSpinWait();
                }
                HostMoves.own(dn, "x", HostMoves.IN_DELETE, () -> delete(d.resolve("x")));
                Files.writeString(d.resolve("x"), ""); // the host's
                delete(d.resolve("x"));
            } finally {
                long before = share.renames().now();
                HostMoves.holdForTests.unlock();
                ShareRoot.awaitHostMovesSeen();
                assertNotEquals(before, share.renames().now(), "the host's unlink passed for the gateway's");
            }
        }
    }

    private static void delete(Path file) {
        try {
            Files.delete(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The same no-op rename, with the VM's Tunlinkat of the source name landing between the rename and its look at
     * the name: the name is gone, yet the rename moved nothing. Its note must not wait for the host's next move of a
     * file made at that name (into the hidden vault, say) and pass it for the gateway's own.
     */
    @Test
    void anUnlinkOfTheSourceDuringANoOpRenameLeavesNoNoteForTheHostsMove() throws Exception {
        Files.createLink(dir.resolve("pub/d/g"), dir.resolve("pub/d/f")); // as by the VM's Tlink
        try (Node root = share.root();
                Node pub = share.lookup(root, "pub");
                Node d = share.lookup(pub, "d")) {
            share.lookup(d, "f").close(); // a name looked up in d: d is watched
            Entries entries = new Entries(share);
            Thread[] unlinking = new Thread[1];
            P9Exception[] failed = new P9Exception[1];
            HostMoves.beforeRenameCheckForTests = () -> {
                unlinking[0] = Thread.ofPlatform().start(() -> {
                    try {
                        entries.unlinkAt(d, "f", false);
                    } catch (P9Exception e) {
                        failed[0] = e;
                    }
                });
                // Until the unlink is made, or waits for the entry's lock the rename holds (EntryLocks).
                while (unlinking[0].isAlive() && !EntryLocks.waiting(unlinking[0])) {
                    Thread.onSpinWait();
                }
            };
            try {
                entries.renameAt(d, "f", d, "g", true); // the same file: nothing happens, no event
            } finally {
                HostMoves.beforeRenameCheckForTests = null;
            }
            assertNotNull(unlinking[0], "the rename was checked in a watched directory");
            unlinking[0].join();
            assertNull(failed[0], "the unlink of f");

            Files.writeString(dir.resolve("pub/d/f"), "made anew");
            ShareRoot.awaitHostMovesSeen();
            try (Node again = share.lookup(d, "f")) {
                assertEquals("pub/d/f", share.relativePath(again));
                assertEquals("pub/d/f", again.pathAt(share.renames().now()), "learned through watched directories");

                Files.move(dir.resolve("pub/d/f"), dir.resolve("vault/f"));
                ShareRoot.awaitHostMovesSeen();

                assertNull(again.pathAt(share.renames().now()), "the host's move taken for the gateway's rename");
            }
        }
    }

    /**
     * The same no-op rename, with the host's unlink of the source name (no request of the gateway, so no lock of
     * the gateway's orders it) landing between the rename and its look at the name: gone, it read as moved, and the
     * rename's notes waited for the host's next move of a file made at that name (into the hidden vault) and passed it
     * for the gateway's own, leaving a path the policy decides on that the file no longer has.
     */
    @Test
    void theHostsUnlinkOfTheSourceDuringANoOpRenameLeavesNoNoteForTheHostsMove() throws Exception {
        Files.createLink(dir.resolve("pub/d/g"), dir.resolve("pub/d/f")); // as by the VM's Tlink
        try (Node root = share.root();
                Node pub = share.lookup(root, "pub");
                Node d = share.lookup(pub, "d")) {
            share.lookup(d, "f").close(); // a name looked up in d: d is watched
            Entries entries = new Entries(share);
            boolean[] checked = {false};
            HostMoves.beforeRenameCheckForTests = () -> {
                checked[0] = true;
                delete(dir.resolve("pub/d/f")); // the host's
            };
            try {
                entries.renameAt(d, "f", d, "g", true); // the same file: nothing happens, no event
            } finally {
                HostMoves.beforeRenameCheckForTests = null;
            }
            assertTrue(checked[0], "the rename was checked in a watched directory");

            Files.writeString(dir.resolve("pub/d/f"), "made anew");
            ShareRoot.awaitHostMovesSeen();
            try (Node again = share.lookup(d, "f")) {
                assertEquals("pub/d/f", share.relativePath(again));
                assertEquals("pub/d/f", again.pathAt(share.renames().now()), "learned through watched directories");

                Files.move(dir.resolve("pub/d/f"), dir.resolve("vault/f"));
                ShareRoot.awaitHostMovesSeen();

                assertNull(again.pathAt(share.renames().now()), "the host's move taken for the gateway's rename");
            }
        }
    }

    /**
     * The host's rename(2) of a file from a directory nothing watches onto the name of a held file in a watched one
     * ({@code mv /elsewhere/new pub/d/f}) queues only IN_MOVED_TO there. The held file lives on under another link
     * (vault/keep): the kernel knows its handle by a removed name, and a share deciding by path refuses it, which a
     * remembered pub/d/f must not outlive.
     */
    @Test
    void aHeldFileReplacedByTheHostsRenameFromAnUnwatchedDirectoryIsSeen() throws Exception {
        Files.createLink(dir.resolve("vault/keep"), dir.resolve("pub/d/f"));
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("new"), "new");
        try (Node root = share.root();
                Node pub = share.lookup(root, "pub");
                Node d = share.lookup(pub, "d");
                Node f = share.lookup(d, "f")) {
            assertEquals("pub/d/f", f.pathAt(share.renames().now()), "learned from the walk, watched");

            // rename(2) itself: Files.move(REPLACE_EXISTING) unlinks the target first, an IN_DELETE.
            assertTrue(elsewhere
                    .resolve("new")
                    .toFile()
                    .renameTo(dir.resolve("pub/d/f").toFile()));
            ShareRoot.awaitHostMovesSeen();

            assertNull(f.pathAt(share.renames().now()), "the host's replacing rename outdated it");
            assertThrows(RemovedName.class, () -> share.placedPath(f), "known by a removed name, as the kernel says");
        }
    }

    /**
     * The gateway's rename onto pub/d/b queues IN_MOVED_TO b; the host's rename from a directory nothing watches onto
     * the same name right after ({@code mv /elsewhere/new pub/d/b}) queues one IN_MOVED_TO b too, which the kernel
     * merges into the gateway's while that is still the last event queued (it compares mask, watch and name, not the
     * cookie). The one event read took the gateway's note, and the held file, left only under vault/keep, kept the
     * path pub/d/b its handle had learned after the gateway's rename.
     */
    @Test
    void theHostsRenameOntoANameTheGatewayJustRenamedOntoIsSeenWhenTheKernelMergesTheirEvents() throws Exception {
        Files.createLink(dir.resolve("vault/keep"), dir.resolve("pub/d/f"));
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("new"), "new");
        Path dummy = dir.resolve("pub/d/dummy");
        Files.writeString(dummy, "");
        try (Node root = share.root();
                Node pub = share.lookup(root, "pub");
                Node d = share.lookup(pub, "d")) {
            share.lookup(d, "f").close(); // a name looked up in d: d is watched
            ShareRoot.awaitHostMovesSeen();
            HostMoves.holdForTests.lock();
            try {
                // Wakes the reader, which then waits at the hold outside read(2): what follows stays queued.
                HostMoves.own(d, "dummy", HostMoves.IN_DELETE, () -> delete(dummy));
                while (!HostMoves.holdForTests.hasQueuedThreads()) {
                    Thread.onSpinWait();
                }
                new Entries(share).renameAt(d, "f", d, "b", true); // the VM's: IN_MOVED_FROM f, IN_MOVED_TO b
                try (Node b = share.lookup(d, "b")) {
                    assertEquals("pub/d/b", share.relativePath(b));
                    assertEquals("pub/d/b", b.pathAt(share.renames().now()), "learned after the rename, watched");
                    assertTrue(elsewhere
                            .resolve("new")
                            .toFile()
                            .renameTo(dir.resolve("pub/d/b").toFile()));
                    HostMoves.holdForTests.unlock();
                    ShareRoot.awaitHostMovesSeen();

                    assertNull(b.pathAt(share.renames().now()), "the host's replacing rename passed for the gateway's");
                    assertThrows(RemovedName.class, () -> share.placedPath(b), "known by a removed name");
                }
            } finally {
                if (HostMoves.holdForTests.isHeldByCurrentThread()) {
                    HostMoves.holdForTests.unlock();
                }
            }
        }
    }

    /** The gateway's own names made by rename (a Tmkdir's staging name taking its name) are not the host's. */
    @Test
    void theGatewaysOwnMkdirInAWatchedDirectoryAdvancesNothing() throws Exception {
        try (Node root = share.root();
                Node pub = share.lookup(root, "pub");
                Node d = share.lookup(pub, "d")) {
            ShareRoot.awaitHostMovesSeen();
            long before = share.renames().now();
            new Entries(share).mkdir(d, "made", 0755, (made, stat) -> {}).close();
            ShareRoot.awaitHostMovesSeen();
            assertEquals(before, share.renames().now(), "its IN_MOVED_TO taken for the host's");
        }
    }

    /**
     * Events lost to an overflow may include an own change's: its credit must not take the host's next event. The
     * overflow removes every watch of the instance (WatchLostToOverflowAttackTest), and the note with its watch; the
     * root watched again, the host's unlink of that name is seen.
     */
    @Test
    void anOverflowDropsTheCreditsOfOwnChanges() throws Exception {
        try (Node root = share.root()) {
            share.lookup(root, "pub").close(); // a name looked up in the root: the root is watched
            assertNotEquals(-1, HostMoves.watchOf(root), "the root is watched: pub was looked up in it");
            HostMoves.own(root, "z", HostMoves.IN_DELETE, () -> {});
            HostMoves.handleEvent(-1, HostMoves.IN_Q_OVERFLOW, null); // the own unlink's event among those lost
            ShareRoot.awaitHostMovesSeen();
            share.lookup(root, "pub").close(); // watched again
            int wd = HostMoves.watchOf(root);
            assertNotEquals(-1, wd, "the root is watched again");
            long before = share.renames().now();
            HostMoves.handleEvent(wd, HostMoves.IN_DELETE, "z");
            assertNotEquals(before, share.renames().now(), "the host's unlink taken for the gateway's lost one");
        }
    }

    /** The host out of watches (max_user_watches): the directory is not watched, and nothing beneath it remembered. */
    @Test
    void aDirectoryThatCannotBeWatchedMakesItsHandlesAskTheKernelEachTime() throws Exception {
        try (ShareRoot fresh = ShareRoot.open(dir, new QidMapper())) {
            fresh.watchMoves();
            HostMoves.refusingForTests = true;
            try (Node root = fresh.root();
                    Node pub = fresh.lookup(root, "pub")) {
                assertNull(pub.pathAt(fresh.renames().now()), "the root could not be watched");
                long asked = fresh.kernelLookups();
                assertEquals("pub", fresh.relativePath(pub));
                assertEquals("pub", fresh.relativePath(pub));
                assertEquals(asked + 2, fresh.kernelLookups(), "asked of the kernel at each request");

                Files.move(dir.resolve("pub"), dir.resolve("vault/pub"));
                assertEquals("vault/pub", fresh.relativePath(pub), "no event needed");
            } finally {
                HostMoves.refusingForTests = false;
            }
        }
    }

    /**
     * A guest walking into more directories than its share may watch: the share starts over (its watches removed,
     * its counter advanced) and goes on watching and remembering; nothing is charged to the VM's budgets, which must
     * come back whole when its sessions end while watches last as long as the share.
     */
    @Test
    void aShareAtItsWatchCapStartsOverAndChargesTheVmNothing() throws Exception {
        int dirs = HostMoves.MIN_WATCHES + 10;
        for (int i = 0; i < dirs; i++) {
            Files.createDirectories(dir.resolve("many/d" + i));
        }
        VmBudget vm = RememberedPathBudgetTest.withFids(1); // a cap of MIN_WATCHES
        try (ShareRoot fresh = ShareRoot.open(dir, new QidMapper())) {
            fresh.watchMoves();
            ScopedValue.where(VmBudget.CURRENT, vm).call(() -> {
                long before = fresh.renames().now();
                try (Node root = fresh.root();
                        Node many = fresh.lookup(root, "many")) {
                    for (int i = 0; i < dirs; i++) {
                        try (Node d = fresh.lookup(many, "d" + i)) {
                            fresh.lookup(d, "x").close();
                        } catch (P9Exception e) {
                            assertEquals(Errno.ENOENT, e.errno()); // each d's lookup of x watches d
                        }
                    }
                    assertNotEquals(before, fresh.renames().now(), "started over at the cap");
                    int watched = HostMoves.watchedBy(fresh);
                    assertTrue(
                            watched > 0 && watched <= HostMoves.MIN_WATCHES,
                            "watched after the start over: " + watched);
                    try (Node d0 = fresh.lookup(many, "d0")) {
                        assertEquals("many/d0", fresh.relativePath(d0), "asked of the kernel after the start over");
                        assertEquals("many/d0", d0.pathAt(fresh.renames().now()), "remembered, watched anew");
                    }
                }
                return null;
            });
            assertEquals(0, vm.rememberedPaths().used(), "the VM's remembered-path bytes all back");
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
}
