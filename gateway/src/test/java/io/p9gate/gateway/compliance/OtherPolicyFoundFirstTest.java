package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator runs the suite with a policy file other than the one the gateway serves (the image's new file, an
 * old copy): the audit log's last policy load says so before any request is sent, but the suite said it only at the
 * end, in {@code audit/policy}, after every check had compared the gateway with the wrong file. It now says it
 * first, right after the policy line; the checks still run (a gateway serving a weakened policy is what they are
 * for), and {@code audit/policy} still fails at the end.
 */
class OtherPolicyFoundFirstTest {
    @TempDir
    Path tmp;

    @Test
    void theServedPolicyIsComparedBeforeAnyCheck() throws Exception {
        RelocatedPolicy policy = RelocatedPolicy.of(RelocatedPolicy.sample("demo.yaml"), tmp.resolve("image"));
        Path other = policy.weakened("{bytes: 256MiB, inodes: 10000}", "{bytes: 512MiB, inodes: 10000}");
        SuiteRun run;
        try (ServedGateway served = ServedGateway.serve(other, Files.createDirectories(tmp.resolve("gw")))) {
            run = SuiteRun.against(policy.policy, served, tmp.resolve("report"), "--max-creates", "0");
        }
        List<String> lines = run.out().lines().toList();
        assertTrue(lines.get(0).startsWith("p9gate compliance: policy " + policy.policy), run::describe);
        assertTrue(
                lines.get(1)
                        .startsWith("p9gate compliance: the gateway serves another policy than " + policy.policy
                                + ": its audit log's last policy load (record "),
                run::describe);
        assertTrue(lines.get(1).contains("every check below compares it with this file"), run::describe);
        assertEquals(SuiteReport.EXIT_FAILED, run.exitCode(), run::describe);
        assertTrue(run.out().contains("FAILED R-AUD-1 audit/policy"), run::describe);
    }
}
