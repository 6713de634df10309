package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.model.PolicyFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The search of the shares for other names of the gateway's state is bounded by {@code --max-host-entries}: a share
 * whose tree holds more entries (millions, or a deep tree a VM built) is looked at only that far, and the check is
 * then skipped saying so, never passed. Before, the walk looked at every entry of every share, with no bound.
 */
class HardLinkWalkBudgetTest {
    private static final int FILES = 600;

    @TempDir
    Path tmp;

    /** A share of {@link #FILES} files in nested directories, and a key in protect.keys with a second name. */
    private PolicyFile policy(Path secondName) throws Exception {
        Path keys = Files.createDirectories(tmp.resolve("keys"));
        Path key = Files.writeString(keys.resolve("audit.key"), "secret");
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path dir = share;
        for (int i = 0; i < FILES; i++) {
            if (i % 50 == 0) {
                dir = Files.createDirectories(dir.resolve("d" + i));
            }
            Files.writeString(dir.resolve("f" + i), "");
        }
        Files.createDirectories(secondName.getParent());
        Files.createLink(secondName, key);
        Path file = Files.writeString(tmp.resolve("policy.yaml"), """
                image: t
                protect: {keys: %s}
                vms:
                  vm1:
                    listen: unix:%s
                    shares:
                      data: {path: %s, access: read-write}
                """.formatted(keys, tmp.resolve("vm1.sock"), share));
        return PolicyEngine.load(file).policy();
    }

    private CheckResult keysCheck(PolicyFile policy, long budget, List<String> progress) {
        return ProtectedStateChecks.of(policy, budget, progress::add).stream()
                .filter(r -> r.id().equals("protect/keys"))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void aShareLargerThanTheBudgetIsSkippedSayingSoNotPassed() throws Exception {
        PolicyFile policy = policy(tmp.resolve("backup/audit.key"));

        CheckResult r = keysCheck(policy, 100, new ArrayList<>());

        assertEquals(Status.SKIPPED, r.status(), r::toString);
        assertTrue(r.message().contains("--max-host-entries"), r::toString);
        assertEquals(
                Status.PASSED, keysCheck(policy, FILES * 2, new ArrayList<>()).status());
    }

    @Test
    void aNameBeyondTheBudgetIsNeverAPass() throws Exception {
        PolicyFile policy = policy(tmp.resolve("share/d550/k"));

        assertNotEquals(Status.PASSED, keysCheck(policy, 100, new ArrayList<>()).status());
        assertEquals(
                Status.FAILED, keysCheck(policy, FILES * 2, new ArrayList<>()).status());
    }

    @Test
    void symlinksInTheShareAreNotFollowed() throws Exception {
        PolicyFile policy = policy(tmp.resolve("backup/audit.key"));
        Files.createSymbolicLink(tmp.resolve("share/to-backup"), tmp.resolve("backup"));

        assertEquals(
                Status.PASSED, keysCheck(policy, FILES * 2, new ArrayList<>()).status());
    }
}
