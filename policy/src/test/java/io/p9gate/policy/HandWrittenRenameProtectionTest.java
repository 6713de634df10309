package io.p9gate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.terms.OpKind;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hand-written Cedar forbid scoped to a subtree ({@code resource in Directory::"vm/share:/p/secret"}) decides
 * paths, exactly as a YAML {@code hidden}/{@code read-only}/deny rule does. Renaming an ancestor of it
 * ({@code mv /p /q}) carried {@code /p/secret} out of its reach: afterwards {@code /q/secret/k} was readable, while
 * the same subtree declared in YAML refuses that rename (EACCES, R-POL-3/R-POL-4). Such a rename must be refused
 * for hand-written forbids too, and so must renaming a prepared tree onto the ancestor.
 */
class HandWrittenRenameProtectionTest {

    @TempDir
    Path dir;

    private PolicyEngine engine(String cedar) throws Exception {
        PolicyFiles.write(dir, "extra.cedar", cedar);
        return PolicyEngine.load(PolicyFiles.write(
                dir,
                "p.yaml",
                "cedar: [extra.cedar]\n" + PolicyFiles.oneShare("path: /srv/p9gate/data\naccess: read-write\n")));
    }

    @Test
    void renamingAnAncestorOfAHandWrittenForbidsSubtreeIsRefused() throws Exception {
        PolicyEngine e = engine("""
                @id("secret")
                @errno("ENOENT")
                forbid (principal, action, resource in P9gate::Directory::"vm1/data:/p/secret");
                @id("one-file")
                forbid (principal, action == P9gate::Action::"OPEN_READ",
                        resource == P9gate::File::"vm1/data:/f/key");
                @id("other-share")
                forbid (principal, action, resource in P9gate::Directory::"vm1/elsewhere:/x/y");
                """);
        assertEquals(
                "ENOENT",
                e.decide(DecisionRequest.of("vm1", "data", OpKind.OPEN_READ, "/p/secret/k"))
                        .errno());
        PolicyDecision out = PolicyDecision.deny("EACCES", List.of("secret"));
        assertEquals(out, e.decide(DecisionRequest.twoPath("vm1", "data", OpKind.RENAME, "/p", "/q")));
        assertEquals(out, e.decide(DecisionRequest.twoPath("vm1", "data", OpKind.RENAME, "/prepared", "/p")));
        assertEquals(
                PolicyDecision.deny("EACCES", List.of("one-file")),
                e.decide(DecisionRequest.twoPath("vm1", "data", OpKind.RENAME, "/f", "/g")));
        // Renames beside or below the protected scope stay as they were.
        assertTrue(e.decide(DecisionRequest.twoPath("vm1", "data", OpKind.RENAME, "/p/a", "/p/b"))
                .allowed());
        assertTrue(e.decide(DecisionRequest.twoPath("vm1", "data", OpKind.RENAME, "/pp", "/q"))
                .allowed());
        assertTrue(e.decide(DecisionRequest.twoPath("vm1", "data", OpKind.RENAME, "/x", "/z"))
                .allowed());
        assertEquals(
                "ENOENT",
                e.decide(DecisionRequest.twoPath("vm1", "data", OpKind.RENAME, "/p/secret/a", "/q"))
                        .errno());
    }
}
