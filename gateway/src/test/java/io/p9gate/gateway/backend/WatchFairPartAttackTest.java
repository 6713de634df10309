package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile VM with two shares walks into directory after directory and takes every watch the gateway holds
 * ({@link HostMoves}); a well-behaved VM connecting later must still get its fair part: its directories watched, its
 * handles' paths remembered, and its counter never advanced by the hostile VM's further walking.
 */
class WatchFairPartAttackTest {
    private static final int HOSTILE_DIRS = 300;
    private static final int VICTIM_DIRS = 20;

    @TempDir
    Path tmp;

    private final List<ShareRoot> shares = new ArrayList<>();
    private int limitBefore;

    @BeforeEach
    void setUp() throws Exception {
        for (String name : List.of("hostile1", "hostile2")) {
            for (int i = 0; i < 2 * HOSTILE_DIRS; i++) {
                Files.createDirectories(tmp.resolve(name + "/d" + i));
            }
        }
        for (int i = 0; i < VICTIM_DIRS; i++) {
            Files.createDirectories(tmp.resolve("victim/d" + i));
        }
        for (String name : List.of("hostile1", "hostile2", "victim")) {
            ShareRoot share = ShareRoot.open(tmp.resolve(name), new QidMapper());
            share.watchMoves();
            shares.add(share);
        }
        // As on a host whose other users hold what they hold now and leave the gateway HOSTILE_DIRS more.
        limitBefore = HostMoves.watchesAtMost(HostMoves.watchesCounted() + HOSTILE_DIRS);
    }

    @AfterEach
    void tearDown() {
        HostMoves.watchesAtMost(limitBefore);
        shares.forEach(ShareRoot::close);
    }

    @Test
    void aVmThatConnectsAfterAHostileOneTookEveryWatchStillGetsItsPart() throws Exception {
        ShareRoot hostile1 = shares.get(0);
        ShareRoot hostile2 = shares.get(1);
        ShareRoot victim = shares.get(2);
        VmBudget hostile = VmBudget.unlimited("hostile");
        walk(hostile, hostile1, 0, HOSTILE_DIRS);
        walk(hostile, hostile2, 0, HOSTILE_DIRS);

        VmBudget good = VmBudget.unlimited("good");
        long epoch = victim.renames().now();
        walk(good, victim, 0, VICTIM_DIRS);
        assertEquals(VICTIM_DIRS + 1, HostMoves.watchedBy(victim), "the victim's directories (and root) watched");

        walk(hostile, hostile1, HOSTILE_DIRS, 2 * HOSTILE_DIRS);
        walk(hostile, hostile2, HOSTILE_DIRS, 2 * HOSTILE_DIRS);
        assertEquals(VICTIM_DIRS + 1, HostMoves.watchedBy(victim), "the victim's watches taken back");
        assertEquals(epoch, victim.renames().now(), "the victim's handles made to learn their paths again");

        ScopedValue.where(VmBudget.CURRENT, good).call(() -> {
            try (Node root = victim.root()) {
                for (int i = 0; i < VICTIM_DIRS; i++) {
                    try (Node d = victim.lookup(root, "d" + i)) {
                        long asked = victim.kernelLookups();
                        assertEquals("d" + i, victim.relativePath(d));
                        assertEquals(asked, victim.kernelLookups(), "d" + i + "'s path asked of the kernel");
                    }
                }
            }
            return null;
        });
    }

    /** Looks a name up in each directory {@code d<from>}..{@code d<to - 1>} of {@code share}: each is watched. */
    private static void walk(VmBudget vm, ShareRoot share, int from, int to) throws Exception {
        ScopedValue.where(VmBudget.CURRENT, vm).call(() -> {
            try (Node root = share.root()) {
                for (int i = from; i < to; i++) {
                    try (Node d = share.lookup(root, "d" + i)) {
                        share.lookup(d, "x").close();
                    } catch (P9Exception e) {
                        assertEquals(Errno.ENOENT, e.errno()); // each d's lookup of x watches d
                    }
                }
            }
            return null;
        });
    }
}
