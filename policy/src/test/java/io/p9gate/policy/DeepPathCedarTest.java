package io.p9gate.policy;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.policy.terms.OpKind;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With hand-written Cedar, Cedar decides every request, and a guest chooses how deep its paths go: the gateway
 * serves directories deeper than PATH_MAX (up to 4096 levels). The File's Directory chain used to be handed to
 * Cedar parent by parent, so Cedar computed its transitive closure on every decision: O(depth²) insertions of
 * ids that are each O(depth) long. A guest that made a 2000-deep directory had every decision there take about
 * 15 s of CPU (a 4096-deep one minutes), starving every other VM of the worker pool (R-ROB-2). A decision at any
 * depth must stay cheap, and {@code resource in Directory} must still mean "that directory or anything below".
 * The cost is bounded in {@code cedar.DeepPathEntityBytesTest}, in characters handed to Cedar (not in time, which a
 * loaded machine stretches); this test checks that the engine still decides right at that depth.
 */
class DeepPathCedarTest {

    @TempDir
    Path dir;

    @Test
    void aDecisionTwoThousandLevelsDownIsCheapAndStillSeesEveryAncestor() throws Exception {
        PolicyFiles.write(dir, "extra.cedar", """
                @id("no-reads-below-d")
                @errno("ENOENT")
                forbid (principal, action == P9gate::Action::"OPEN_READ",
                        resource in P9gate::Directory::"vm1/data:/d/d");
                """);
        PolicyEngine engine = PolicyEngine.load(PolicyFiles.write(
                dir,
                "p.yaml",
                "cedar: [extra.cedar]\n" + PolicyFiles.oneShare("path: /srv/p9gate/data\naccess: read-write\n")));
        String deep = "/d".repeat(2000);
        String beside = "/e" + "/d".repeat(1999);
        assertAll(
                () -> assertEquals(
                        PolicyDecision.deny("ENOENT", List.of("no-reads-below-d")),
                        engine.decide(DecisionRequest.of("vm1", "data", OpKind.OPEN_READ, deep))),
                () -> assertEquals(
                        PolicyDecision.allow(List.of("vm.vm1.share.data.access")),
                        engine.decide(DecisionRequest.of("vm1", "data", OpKind.OPEN_READ, beside))),
                () -> assertEquals(
                        PolicyDecision.allow(List.of("vm.vm1.share.data.access")),
                        engine.decide(DecisionRequest.of("vm1", "data", OpKind.OPEN_WRITE, deep))));
        // The subtree's own root is in it, its parent is not.
        assertEquals(
                "ENOENT",
                engine.decide(DecisionRequest.of("vm1", "data", OpKind.OPEN_READ, "/d/d"))
                        .errno());
        assertEquals(
                true,
                engine.decide(DecisionRequest.of("vm1", "data", OpKind.OPEN_READ, "/d"))
                        .allowed());
    }
}
