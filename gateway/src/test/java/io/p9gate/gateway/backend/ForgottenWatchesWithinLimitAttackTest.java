package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway holds at most half of {@code fs.inotify.max_user_watches} ({@link WatchBudget}), the other half the
 * host's own services'. A watch forgotten (a share starting over, room made for another VM) still counts in the
 * kernel until its {@code inotify_rm_watch}, made after the lock: a churning VM's start over forgets up to 8,192 at
 * once, and other VMs' new watches meanwhile were taken against the forgotten ones' places. The kernel then held more
 * of the gateway's watches than its half; on a host at its limit, the next {@code inotify_add_watch}, another VM's or
 * a host service's, got ENOSPC.
 */
class ForgottenWatchesWithinLimitAttackTest {
    private static final int CAP = 1024;

    /** The gateway's watches here: the churning share's cap, and a few more. */
    private static final int ROOM = CAP + 50;

    private static final int OTHER_DIRS = 200;

    @TempDir
    Path tmp;

    private ShareRoot churned;
    private ShareRoot other;
    private int limitBefore;

    @BeforeEach
    void setUp() throws Exception {
        for (int i = 0; i <= CAP; i++) {
            Files.createDirectories(tmp.resolve("churned/d" + i));
        }
        for (int i = 0; i < OTHER_DIRS; i++) {
            Files.createDirectories(tmp.resolve("other/o" + i));
        }
        churned = ShareRoot.open(tmp.resolve("churned"), new QidMapper());
        churned.watchMoves();
        other = ShareRoot.open(tmp.resolve("other"), new QidMapper());
        other.watchMoves();
        ShareRoot.awaitHostMovesSeen();
        limitBefore = HostMoves.watchesAtMost(HostMoves.watchesCounted() + ROOM);
    }

    @AfterEach
    void tearDown() {
        HostMoves.removingForTests = null;
        HostMoves.watchesAtMost(limitBefore);
        churned.close();
        other.close();
    }

    @Test
    void watchesForgottenButNotYetRemovedLeaveNoRoomBeyondTheGatewaysPart() throws Exception {
        int kernelBase = HostMoves.kernelWatchesForTests();
        VmBudget churner = RememberedPathBudgetTest.withFids(CAP);
        walk(churner, churned, "d", 0, CAP - 1); // the root and CAP - 1 directories: the share at its cap
        assertEquals(CAP, HostMoves.watchedBy(churned));

        AtomicBoolean first = new AtomicBoolean(true);
        AtomicInteger mostInKernel = new AtomicInteger(-1);
        HostMoves.removingForTests = wd -> {
            if (first.getAndSet(false)) {
                // The start over's removals not yet made: the other VM walks into its directories meanwhile.
                try {
                    walk(VmBudget.unlimited("other"), other, "o", 0, OTHER_DIRS);
                    mostInKernel.set(HostMoves.kernelWatchesForTests() - kernelBase);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        walk(churner, churned, "d", CAP - 1, CAP); // a new directory past the cap: the share starts over
        assertTrue(mostInKernel.get() >= 0, "the start over removed nothing from the kernel");
        assertTrue(
                mostInKernel.get() <= ROOM,
                "the kernel held " + mostInKernel.get() + " of the gateway's watches, its part " + ROOM);

        // Once the removals are made, the other VM's directories are watched at its next walk.
        walk(VmBudget.unlimited("other"), other, "o", 0, OTHER_DIRS);
        assertEquals(OTHER_DIRS + 1, HostMoves.watchedBy(other), "the other VM's root and directories watched");
        assertTrue(HostMoves.kernelWatchesForTests() - kernelBase <= ROOM, "the gateway's watches in the kernel");
    }

    /** Looks up {@code <prefix><from>}..{@code <prefix><to - 1>} in {@code share}, and a name in each: each watched. */
    private static void walk(VmBudget vm, ShareRoot share, String prefix, int from, int to) throws Exception {
        ScopedValue.where(VmBudget.CURRENT, vm).call(() -> {
            try (Node root = share.root()) {
                for (int i = from; i < to; i++) {
                    try (Node d = share.lookup(root, prefix + i)) {
                        share.lookup(d, "x").close();
                    } catch (P9Exception e) {
                        assertEquals(Errno.ENOENT, e.errno());
                    }
                }
            }
            return null;
        });
    }
}
