package io.p9gate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.terms.OpKind;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** R-POL-7: reload swaps atomically; a broken file keeps the old policy and says why. */
class PolicyHolderTest {

    @TempDir
    Path dir;

    @Test
    void brokenReloadKeepsTheOldPolicyAndGoodReloadSwaps() throws Exception {
        Path p = PolicyFiles.write(dir, "p.yaml", PolicyFiles.oneShare("path: /srv/p9gate/data\naccess: read-only\n"));
        PolicyHolder holder = PolicyHolder.load(p);
        PolicyEngine first = holder.current();
        DecisionRequest write = DecisionRequest.of("vm1", "data", OpKind.OPEN_WRITE, "/x");
        assertFalse(first.decide(write).allowed());

        PolicyFiles.write(dir, "p.yaml", PolicyFiles.oneShare("path: /srv/p9gate/data\naccess: sometimes\n"));
        var kept = assertInstanceOf(PolicyHolder.ReloadResult.Kept.class, holder.reload());
        assertTrue(kept.reason().contains(":11:"), kept.reason());
        assertSame(first, holder.current());

        PolicyFiles.write(dir, "p.yaml", PolicyFiles.oneShare("path: /srv/p9gate/data\naccess: read-write\n"));
        var loaded = assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, holder.reload());
        assertEquals(first.digest(), loaded.oldDigest());
        assertTrue(holder.current().decide(write).allowed());
    }
}
