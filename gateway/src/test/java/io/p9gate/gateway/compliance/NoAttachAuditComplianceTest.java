package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM whose only share grants nothing ({@code access: none}, no allow rule): its Tattach is refused, so the suite
 * never walks to its "hello" name, by which it tells its own session's records from the live VM's. Before,
 * {@code vm1/audit/records} then failed a faithful gateway with "no record of the suite's session"; found by
 * {@link GeneratedPolicyComplianceTest}. Now it is skipped, saying why.
 */
class NoAttachAuditComplianceTest {
    @TempDir
    Path tmp;

    @Test
    void aVmThatMayAttachNothingSkipsTheRecordsCheck() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path policy = Files.writeString(tmp.resolve("p.yaml"), """
                image: t
                vms:
                  vm1:
                    listen: unix:%s
                    shares: {data: {path: %s, access: none}}
                """.formatted(tmp.resolve("vm1.sock"), share));
        SuiteRun run = SuiteRun.served(policy, tmp, "--max-creates", "0");
        assertEquals(List.of(), run.lines("FAIL"), run::describe);
        assertTrue(
                run.lines("skip").stream()
                        .anyMatch(l -> l.contains("vm1/audit/records:") && l.contains("attach no share")),
                run::describe);
    }

    /**
     * A VM on a plain TCP listener, which the suite does not reach: it sent that VM nothing. Before, its records
     * check was skipped as "the policy lets vm2 attach no share", of a VM whose policy grants a read-only share.
     */
    @Test
    void aVmTheSuiteDidNotReachIsSkippedForThatReason() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path policy = Files.writeString(
                tmp.resolve("p.yaml"), """
                image: t
                vms:
                  vm1:
                    listen: unix:%s
                    shares: {data: {path: %s, access: read-only}}
                  vm2:
                    listen: tcp:127.0.0.1:%d
                    shares: {data: {path: %s, access: read-only}}
                """.formatted(tmp.resolve("vm1.sock"), share, freePort(), share));
        SuiteRun run = SuiteRun.served(policy, tmp, "--max-creates", "0");
        assertEquals(List.of(), run.lines("FAIL"), run::describe);
        List<String> skipped = run.lines("skip").stream()
                .filter(l -> l.contains("vm2/audit/records:"))
                .toList();
        assertEquals(1, skipped.size(), run::describe);
        assertTrue(skipped.getFirst().contains("the suite reached no listener of vm2"), run::describe);
        assertTrue(!skipped.getFirst().contains("attach no share"), run::describe);
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
