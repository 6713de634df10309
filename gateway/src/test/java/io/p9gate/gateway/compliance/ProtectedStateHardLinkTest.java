package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.model.PolicyFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code protect/*} compares the state with the shares by inode too: a hard link to the policy file, or to a key in
 * {@code protect.keys}, made inside a share after the gateway loaded the policy, is the same file under a name the
 * VM reaches. Before, the checks compared directories only and passed.
 */
class ProtectedStateHardLinkTest {
    @TempDir
    Path tmp;

    private Map<String, CheckResult> checks(PolicyFile policy) {
        return ProtectedStateChecks.of(policy, SuiteOptions.DEFAULT_MAX_HOST_ENTRIES, line -> {}).stream()
                .collect(Collectors.toMap(CheckResult::id, Function.identity()));
    }

    /** A policy whose one share is tmp/share, with {@code protect} as its protect line. */
    private Path policyFile(String protect) throws Exception {
        return Files.writeString(
                tmp.resolve("policy.yaml"), """
                image: t
                %s
                vms:
                  vm1:
                    listen: unix:%s
                    shares:
                      data: {path: %s, access: read-write}
                """.formatted(protect, tmp.resolve("vm1.sock"), tmp.resolve("share")));
    }

    @Test
    void aHardLinkToStateInsideAShareFails() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share/deep"));
        Path keys = Files.createDirectories(tmp.resolve("keys"));
        Files.writeString(keys.resolve("audit.key"), "secret");
        Path policyFile = policyFile("protect: {keys: " + keys + "}");
        PolicyFile policy = PolicyEngine.load(policyFile).policy();
        Map<String, CheckResult> clean = checks(policy);
        assertEquals(Status.PASSED, clean.get("protect/policy-file").status(), clean::toString);
        assertEquals(Status.PASSED, clean.get("protect/keys").status(), clean::toString);

        Files.createLink(share.resolve("p.yaml"), policyFile);
        Files.createLink(share.resolve("k"), keys.resolve("audit.key"));
        Map<String, CheckResult> linked = checks(policy);

        for (Map.Entry<String, Path> e : Map.of(
                        "protect/policy-file", share.resolve("p.yaml"), "protect/keys", share.resolve("k"))
                .entrySet()) {
            CheckResult r = linked.get(e.getKey());
            assertEquals(Status.FAILED, r.status(), r::toString);
            assertTrue(r.seen().contains(e.getValue().toString()), r::toString);
        }
    }

    @Test
    void aStateFileWithAnotherNameOutsideTheSharesFails() throws Exception {
        Files.createDirectories(tmp.resolve("share"));
        Path policyFile = policyFile("");
        PolicyFile policy = PolicyEngine.load(policyFile).policy();
        Files.createLink(tmp.resolve("backup.yaml"), policyFile);

        CheckResult r = checks(policy).get("protect/policy-file");

        assertEquals(Status.FAILED, r.status(), r::toString);
        assertTrue(r.seen().contains("2 names"), r::toString);
    }
}
