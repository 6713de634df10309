package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The steps of the watch-giver attack tests: VM "descender" holds other/a with other's root and a watched; VM
 * "holder" watches every d0..dN of its shares; the host moves a under a new b, so learning a's path needs one more
 * watch, which the gateway must take from the holder.
 */
final class WatchGiverSteps {
    static final VmBudget DESCENDER = VmBudget.unlimited("descender");

    private WatchGiverSteps() {}

    /** The descender's handle on other/a, other's root and a watched. */
    static Node descenderHoldsA(ShareRoot other) throws Exception {
        return ScopedValue.where(VmBudget.CURRENT, DESCENDER).call(() -> {
            try (Node root = other.root()) {
                Node found = other.lookup(root, "a");
                assertThrows(P9Exception.class, () -> other.lookup(found, "x").close()); // root and a watched
                return found;
            }
        });
    }

    /** The holder looks below each of d0..d(dirs-1) of each share: its root and each d watched. */
    static void holderWatchesEachDirectory(int dirs, ShareRoot... shares) throws Exception {
        ScopedValue.where(VmBudget.CURRENT, VmBudget.unlimited("holder")).call(() -> {
            for (ShareRoot share : shares) {
                try (Node root = share.root()) {
                    for (int i = 0; i < dirs; i++) {
                        try (Node d = share.lookup(root, "d" + i)) {
                            assertThrows(
                                    P9Exception.class,
                                    () -> share.lookup(d, "x").close());
                        }
                    }
                }
            }
            return null;
        });
    }

    /** The host moves other/a under a new other/b, and the watcher has seen it. */
    static void hostMovesAUnderB(Path tmp) throws Exception {
        Files.createDirectories(tmp.resolve("other/b"));
        Files.move(tmp.resolve("other/a"), tmp.resolve("other/b/a"));
        ShareRoot.awaitHostMovesSeen();
    }

    /** The descender's descent learns b/a and watches b: asked again, it needs no kernel lookup. */
    static void descentLearnsBAndWatchesIt(ShareRoot other, Node a) throws Exception {
        ScopedValue.where(VmBudget.CURRENT, DESCENDER).call(() -> {
            assertEquals("b/a", other.relativePath(a));
            long asked = other.kernelLookups();
            assertEquals("b/a", other.relativePath(a));
            assertEquals(asked, other.kernelLookups(), "b/a learned by the descent, watched");
            return null;
        });
    }
}
