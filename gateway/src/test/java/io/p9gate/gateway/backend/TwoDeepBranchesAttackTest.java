package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.VmBudget;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two branches of one share, each within the cap ({@link HostMoves#MIN_WATCHES} for a VM with few fids) but not both:
 * a walk down the second starts the share over, and the first's handle must learn its path again through watched
 * directories, for which the share no longer has room. Before, every request on that handle descended its branch
 * again (an openat2 and close per level, about 1,300 system calls) to fail at the same level; now a descent that
 * found no room is not tried again until the share's counter advances, and the handle asks the kernel.
 */
class TwoDeepBranchesAttackTest {
    private static final int DEPTH = 700;
    private static final String BRANCH = "/d".repeat(DEPTH);

    @TempDir
    Path tmp;

    private ShareRoot share;
    private final VmBudget hostile = RememberedPathBudgetTest.withFids(1); // a cap of MIN_WATCHES

    @BeforeEach
    void setUp() throws Exception {
        Files.createDirectories(tmp.resolve("share/a" + BRANCH));
        Files.createDirectories(tmp.resolve("share/b" + BRANCH));
        share = ShareRoot.open(tmp.resolve("share"), new QidMapper());
        share.watchMoves();
    }

    @AfterEach
    void tearDown() throws Exception {
        share.close();
        // Flattened, as in DeepTreeHostMovesAttackTest: deleting the chains whole resolves each entry's whole path.
        for (String branch : new String[] {"a", "b"}) {
            Path level = tmp.resolve("share").resolve(branch);
            for (int i = 0; i < DEPTH; i++) {
                level = Files.move(level.resolve("d"), tmp.resolve(branch + i));
            }
        }
    }

    @Test
    void aHandleWhoseBranchFindsNoRoomDoesNotDescendAtEachRequest() throws Exception {
        ScopedValue.where(VmBudget.CURRENT, hostile).call(() -> {
            try (Node a = walkDown("a")) {
                walkDown("b").close(); // past the cap on its way: the share started over, a's path forgotten
                String path = "a" + BRANCH;
                assertEquals(path, share.relativePath(a), "asked of the kernel; its descent finds no room");
                long calls = LinuxSyscalls.calls();
                for (int i = 0; i < 5; i++) {
                    assertEquals(path, share.relativePath(a));
                }
                long perRequest = (LinuxSyscalls.calls() - calls) / 5;
                assertTrue(perRequest < 50, perRequest + " system calls per request on the handle");
            }
            return null;
        });
    }

    private Node walkDown(String branch) throws Exception {
        try (Node root = share.root()) {
            return DeepTreeHostMovesAttackTest.walkDown(share, share.lookup(root, branch), DEPTH);
        }
    }
}
