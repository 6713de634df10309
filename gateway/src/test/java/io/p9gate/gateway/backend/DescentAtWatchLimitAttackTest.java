package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM over its fair part of the gateway's watches ({@link HostMoves}) holds a handle whose path, asked of the
 * kernel, is learned by a descent that needs more watches than are left. A descent never starts a share over (the
 * cap), but making room at the gateway's limit did: the VM's largest share, the descending one itself, started over
 * at every request on the handle, each removing its watches, and the path was never learned.
 */
class DescentAtWatchLimitAttackTest {
    private static final int DEPTH = 150;
    private static final int ROOM = 100;

    @TempDir
    Path tmp;

    private ShareRoot deep;
    private ShareRoot other;
    private int limitBefore;

    @BeforeEach
    void setUp() throws Exception {
        Files.createDirectories(tmp.resolve("deep" + "/d".repeat(DEPTH)));
        Files.createDirectories(tmp.resolve("other"));
        deep = ShareRoot.open(tmp.resolve("deep"), new QidMapper());
        deep.watchMoves();
        other = ShareRoot.open(tmp.resolve("other"), new QidMapper());
        other.watchMoves();
        ScopedValue.where(VmBudget.CURRENT, VmBudget.unlimited("other")).call(() -> {
            try (Node root = other.root()) {
                Assertions.assertThrows(
                        P9Exception.class, () -> other.lookup(root, "x").close()); // root watched
            }
            return null;
        });
        // Two VMs watching: a fair part of 64, and the deep share's VM over it once it holds the rest.
        limitBefore = HostMoves.watchesAtMost(HostMoves.watchesCounted() + ROOM);
    }

    @AfterEach
    void tearDown() {
        HostMoves.watchesAtMost(limitBefore);
        deep.close();
        other.close();
    }

    @Test
    void requestsOnAHandleWhoseDescentMeetsTheLimitStartNoShareOver() throws Exception {
        String path = ("d/".repeat(DEPTH)).substring(0, 2 * DEPTH - 1);
        ScopedValue.where(VmBudget.CURRENT, VmBudget.unlimited("hostile")).call(() -> {
            try (Node d = walkDown()) {
                assertEquals(path, deep.relativePath(d));
                ShareRoot.awaitHostMovesSeen();
                long epoch = deep.renames().now();
                for (int i = 0; i < 5; i++) {
                    assertEquals(path, deep.relativePath(d));
                }
                assertEquals(0, deep.renames().now() - epoch, "starts over made by 5 requests on the handle");
            }
            return null;
        });
    }

    private Node walkDown() throws Exception {
        return DeepTreeHostMovesAttackTest.walkDown(deep, deep.root(), DEPTH);
    }
}
