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
}
