package io.p9gate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.terms.OpKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    /**
     * A new engine whose prepared state cannot be put in place is not taken: the outcome said "kept" while the new
     * engine already answered, so the audit record and `policy reload` named a policy not in force.
     */
    @Test
    void aReloadWhoseInstallFailsKeepsTheOldEngineAndItsPreparedState() throws Exception {
        Path p = PolicyFiles.write(dir, "p.yaml", PolicyFiles.oneShare("path: /srv/p9gate/data\naccess: read-only\n"));
        PolicyHolder holder = PolicyHolder.load(p);
        PolicyEngine first = holder.current();
        DecisionRequest write = DecisionRequest.of("vm1", "data", OpKind.OPEN_WRITE, "/x");
        PolicyFiles.write(dir, "p.yaml", PolicyFiles.oneShare("path: /srv/p9gate/data\naccess: read-write\n"));
        List<PolicyEngine> installed = new ArrayList<>();

        var kept = assertInstanceOf(PolicyHolder.ReloadResult.Kept.class, holder.reload(fresh -> () -> {
            if (fresh != first) {
                throw new IllegalStateException("books half replaced");
            }
            installed.add(fresh);
        }));

        assertEquals(first.digest(), kept.digest());
        assertTrue(kept.reason().contains("books half replaced"), kept.reason());
        assertSame(first, holder.current());
        assertFalse(holder.current().decide(write).allowed());
        assertEquals(List.of(first), installed, "the old engine's state is put back in place");
    }

    /**
     * While the old engine's state is made again (a rescan of every quota scope, seconds on a large share), the engine
     * of the refused file must not decide: its decisions were recorded under a digest the reload's record says was
     * refused, and allowed what the kept policy refuses.
     */
    @Test
    void aReloadWhoseInstallFailsNeverLetsTheRefusedEngineDecideWhileTheOldStateIsMadeAgain() throws Exception {
        Path p = PolicyFiles.write(dir, "p.yaml", PolicyFiles.oneShare("path: /srv/p9gate/data\naccess: read-only\n"));
        PolicyHolder holder = PolicyHolder.load(p);
        PolicyEngine first = holder.current();
        PolicyFiles.write(dir, "p.yaml", PolicyFiles.oneShare("path: /srv/p9gate/data\naccess: read-write\n"));
        List<PolicyEngine> servingWhileRemade = new ArrayList<>();

        assertInstanceOf(PolicyHolder.ReloadResult.Kept.class, holder.reload(engine -> {
            if (engine == first) {
                servingWhileRemade.add(holder.current());
                return () -> {};
            }
            return () -> {
                throw new IllegalStateException("books half replaced");
            };
        }));

        assertEquals(List.of(first), servingWhileRemade, "the engine deciding while the kept policy's state is remade");
        assertSame(first, holder.current());
    }
}
