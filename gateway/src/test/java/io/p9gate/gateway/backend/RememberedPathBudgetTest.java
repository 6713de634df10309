package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.budget.VmBudget;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The paths handles remember are charged to the VM whose request learned them, up to 1 KiB a fid of its fid
 * budget, and given back when the handle closes; past the allowance a handle remembers nothing and its path is
 * asked of the kernel (adversarial.DeepPathFidMemoryAttackTest is the attack).
 */
class RememberedPathBudgetTest {
    private static final String NAME = "n".repeat(200);

    @TempDir
    Path tmp;

    private ShareRoot share;

    @BeforeEach
    void setUp() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("share").resolve(NAME));
        Files.createDirectories(dir.resolve(NAME));
        share = ShareRoot.open(tmp.resolve("share"), new QidMapper());
    }

    @AfterEach
    void tearDown() {
        share.close();
    }

    @Test
    void rememberedPathsAreChargedAndGivenBackAtClose() throws Exception {
        VmBudget vm = withFids(1); // 1 KiB of remembered paths
        ScopedValue.where(VmBudget.CURRENT, vm).call(() -> {
            try (Node root = share.root();
                    Node first = share.lookup(root, NAME)) {
                assertEquals(2L * NAME.length(), vm.rememberedPaths().used());
                assertNotNull(first.pathAt(share.renames().now()));
                try (Node second = share.lookup(first, NAME)) {
                    assertNull(second.pathAt(share.renames().now()), "802 more bytes would pass the 1 KiB");
                    assertEquals(NAME + "/" + NAME, share.relativePath(second), "asked of the kernel instead");
                    assertEquals(2L * NAME.length(), vm.rememberedPaths().used());
                }
            }
            assertEquals(0, vm.rememberedPaths().used(), "every handle closed, nothing is held");
            return null;
        });
    }

    /**
     * A request reads its fid's handle, asks the kernel its path, and a Tclunk (or the session's end) gives back the
     * last reference before the request remembers the answer: the path must not be charged, since no close is left
     * to give it back. Before, each such race kept the path's bytes charged to the VM for good (6 for "abc").
     */
    @Test
    void aPathLearnedAfterTheLastCloseIsNotCharged() throws Exception {
        Files.createDirectories(tmp.resolve("share").resolve("abc"));
        VmBudget vm = withFids(1);
        ScopedValue.where(VmBudget.CURRENT, vm).call(() -> {
            long epoch = share.renames().now();
            Node held;
            try (Node root = share.root()) {
                held = share.lookup(root, "abc");
            }
            held.close(); // the clunk: the last reference
            held.learnPath("abc", epoch); // the request that asked the kernel before it
            assertEquals(0, vm.rememberedPaths().used(), "nothing held by a closed handle");
            assertNull(held.pathAt(epoch), "a closed handle remembers nothing");
            return null;
        });
    }

    static VmBudget withFids(long fids) {
        Limits u = Limits.UNLIMITED;
        return new VmBudget(
                "vm",
                new Limits(
                        u.connections(),
                        u.outstanding(),
                        fids,
                        u.descriptors(),
                        u.xattrBytes(),
                        u.locks(),
                        u.replyBytes(),
                        u.weight()),
                null);
    }
}
