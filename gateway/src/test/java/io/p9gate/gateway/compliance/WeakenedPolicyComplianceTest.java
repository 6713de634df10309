package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, acceptance, "the suite can fail": the gateway serves a weakened copy of policies/infotainment.yaml
 * (one weakening per test), the suite runs with the original, and it exits 1 naming the failing checks and
 * their requirements; every failure belongs to the weakening (or is the audit log showing that the gateway
 * loaded another policy). Inode limits are not filled here (--max-creates 0): none of these weakenings is
 * about them.
 */
class WeakenedPolicyComplianceTest {
    @TempDir
    Path tmp;

    @Test
    void readOnlySubtreeRemoved() throws Exception {
        SuiteRun run = weakened("        read-only:\n          - /base\n", "");
        failsOnly(run, "R-POL-3", "infotainment/maps/read-only[0]/");
        assertTrue(run.out().contains("FAILED R-POL-3 infotainment/maps/read-only[0]/create-new"), run::describe);
        assertTrue(run.out().contains("FAILED R-POL-3 infotainment/maps/read-only[0]/open-wronly"), run::describe);
    }

    @Test
    void hiddenSubtreeRemoved() throws Exception {
        SuiteRun run = weakened("        hidden:\n          - /calibration\n", "");
        failsOnly(run, "R-POL-4", "infotainment/maps/");
        assertTrue(run.out().contains("FAILED R-POL-4 infotainment/maps/hidden[0]/walk"), run::describe);
        assertTrue(run.out().contains("FAILED R-POL-4 infotainment/maps/hidden[0]/not-listed"), run::describe);
    }

    @Test
    void quotaRaised() throws Exception {
        SuiteRun run = weakened("{path: /cache, bytes: 2GiB,", "{path: /cache, bytes: 3GiB,");
        failsOnly(run, "R-POL-6", "infotainment/maps/quota[0]/");
        assertTrue(run.out().contains("FAILED R-POL-6 infotainment/maps/quota[0]/bytes-over"), run::describe);
    }

    @Test
    void uidRangeShifted() throws Exception {
        SuiteRun run = weakened(
                "uid:\n        ranges:\n          - {guest: 0, host: 200000, count: 65536}",
                "uid:\n        ranges:\n          - {guest: 0, host: 200100, count: 65536}");
        failsOnly(run, "R-POL-5", "infotainment/");
        assertTrue(run.out().contains("FAILED R-POL-5 infotainment/maps/place/ids-host"), run::describe);
        assertTrue(run.out().contains("FAILED R-POL-5 infotainment/maps/ids-existing"), run::describe);
    }

    private SuiteRun weakened(String snippet, String replacement) throws Exception {
        RelocatedPolicy policy = RelocatedPolicy.of(RelocatedPolicy.sample("infotainment.yaml"), tmp.resolve("image"));
        Path weaker = policy.weakened(snippet, replacement);
        try (ServedGateway served = ServedGateway.serve(weaker, Files.createDirectories(tmp.resolve("gw")))) {
            return SuiteRun.against(policy.policy, served, tmp.resolve("report"), "--max-creates", "0");
        }
    }

    /**
     * Exit 1; every failed check traces to {@code requirement} and lies under {@code idPrefix}, except the audit
     * check that the gateway runs another policy than the file (R-AUD-1), which must fail too.
     */
    private static void failsOnly(SuiteRun run, String requirement, String idPrefix) {
        assertEquals(SuiteReport.EXIT_FAILED, run.exitCode(), run::describe);
        List<String> failed = run.lines("FAIL");
        assertTrue(failed.stream().anyMatch(l -> l.contains(requirement)), run::describe);
        assertTrue(run.out().contains("FAILED R-AUD-1 audit/policy"), run::describe);
        for (String line : failed) {
            assertTrue(
                    line.contains(" " + requirement + " ") && line.contains(idPrefix) || line.contains("audit/policy"),
                    "a failure outside the weakening: " + line);
        }
    }
}
