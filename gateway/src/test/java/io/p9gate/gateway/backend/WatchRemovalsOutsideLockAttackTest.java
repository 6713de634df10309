package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM walks a share up to its watch cap, so that its next new directory starts the share over: every watch it held
 * (here 1,024; up to 8,192, ~80 ms of {@code inotify_rm_watch}) is removed from the kernel ({@link HostMoves}). Those
 * removals must not hold the lock every VM's next watch needs: another VM's lookup in a directory not yet watched
 * completes while they are under way. And a directory watched again while its old watch's removal is pending (the
 * kernel gives the same descriptor back) must stay watched: that removal is then not made.
 */
class WatchRemovalsOutsideLockAttackTest {
    private static final int CAP = 1024;

    @TempDir
    Path tmp;

    private ShareRoot walked;
    private ShareRoot other;

    @BeforeEach
    void setUp() throws Exception {
        for (int i = 0; i <= CAP; i++) {
            Files.createDirectories(tmp.resolve("walked/d" + i));
        }
        Files.createDirectories(tmp.resolve("other/pub"));
        walked = ShareRoot.open(tmp.resolve("walked"), new QidMapper());
        walked.watchMoves();
        other = ShareRoot.open(tmp.resolve("other"), new QidMapper());
        other.watchMoves();
    }

    @AfterEach
    void tearDown() {
        HostMoves.removingForTests = null;
        walked.close();
        other.close();
    }

    @Test
    void anotherVmsNewWatchIsNotHeldUpByAShareStartingOver() throws Exception {
        VmBudget walker = RememberedPathBudgetTest.withFids(CAP);
        walk(walker, 0, CAP - 1); // the root and CAP - 1 directories: the share at its cap
        assertEquals(CAP, HostMoves.watchedBy(walked));

        AtomicBoolean first = new AtomicBoolean(true);
        AtomicReference<String> meanwhile = new AtomicReference<>();
        HostMoves.removingForTests = wd -> {
            if (first.getAndSet(false)) {
                meanwhile.set(otherVmLooksUp());
            }
        };
        walk(walker, CAP - 1, CAP); // a new directory past the cap: the share starts over
        assertNotNull(meanwhile.get(), "the start over removed nothing from the kernel");
        assertEquals("added", meanwhile.get(), "the other VM's watch while the share's removals were under way");
        assertEquals(1, HostMoves.watchedBy(other), "the other VM's root watched");
    }

    @Test
    void aDirectoryWatchedAgainWhileItsOldWatchIsBeingRemovedStaysWatched() throws Exception {
        VmBudget walker = RememberedPathBudgetTest.withFids(CAP);
        walk(walker, 0, CAP - 1);
        int rootWatch = rootWatch();
        assertNotEquals(-1, rootWatch, "the root watched");

        AtomicBoolean first = new AtomicBoolean(true);
        AtomicReference<String> meanwhile = new AtomicReference<>();
        HostMoves.removingForTests = wd -> {
            if (wd == rootWatch && first.getAndSet(false)) {
                // The same VM's next request looks a name up in the root again, while its old watch is not yet
                // removed: the kernel gives the same descriptor back.
                meanwhile.set(lookUp(walker, walked, "d0", 1));
            }
        };
        walk(walker, CAP - 1, CAP);
        assertEquals("added", meanwhile.get(), "the root watched again while its old watch was being removed");
        ShareRoot.awaitHostMovesSeen();
        assertEquals(rootWatch, rootWatch(), "the root's watch, given back by the kernel");

        long epoch = walked.renames().now();
        Files.createFile(tmp.resolve("walked/f"));
        Files.move(tmp.resolve("walked/f"), tmp.resolve("walked/g")); // the host's rename in the watched root
        ShareRoot.awaitHostMovesSeen();
        assertTrue(walked.renames().now() > epoch, "the host's rename in a directory taken for watched went unseen");
    }

    /** The root's watch descriptor in the walked share. */
    private int rootWatch() throws Exception {
        try (Node root = walked.root()) {
            return HostMoves.watchOf(root);
        }
    }

    /**
     * The other VM looks a name up in its share's root, not yet watched, on another thread: "added" if that completed
     * (within a generous bound, only so that a lookup held up fails the test instead of hanging it).
     */
    private String otherVmLooksUp() {
        return lookUp(VmBudget.unlimited("other"), other, "pub", 0);
    }

    private static String lookUp(VmBudget vm, ShareRoot share, String name, int watchedAtLeast) {
        CompletableFuture<Void> lookup = CompletableFuture.runAsync(() -> {
            try {
                ScopedValue.where(VmBudget.CURRENT, vm).call(() -> {
                    try (Node root = share.root()) {
                        share.lookup(root, name).close();
                    }
                    return null;
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            lookup.get(10, TimeUnit.SECONDS);
            return HostMoves.watchedBy(share) > watchedAtLeast ? "added" : "not watched";
        } catch (TimeoutException e) {
            return "held up";
        } catch (Exception e) {
            return "failed: " + e;
        }
    }

    /** Looks up {@code d<from>}..{@code d<to - 1>} in the walked share, and a name in each: each is watched. */
    private void walk(VmBudget vm, int from, int to) throws Exception {
        ScopedValue.where(VmBudget.CURRENT, vm).call(() -> {
            try (Node root = walked.root()) {
                for (int i = from; i < to; i++) {
                    try (Node d = walked.lookup(root, "d" + i)) {
                        walked.lookup(d, "x").close();
                    } catch (P9Exception e) {
                        assertEquals(Errno.ENOENT, e.errno());
                    }
                }
            }
            return null;
        });
    }
}
