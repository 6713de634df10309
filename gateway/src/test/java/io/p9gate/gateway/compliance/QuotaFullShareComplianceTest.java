package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A share whose inode quota its VM has already used up: the suite cannot make its scratch directory there. Before,
 * {@code place/mkdir-scratch} failed with "the policy allows it; the gateway answered EDQUOT", which reads as the
 * gateway refusing what the policy allows; now the quota is named as the cause and the checks that need the place
 * are skipped, the gateway having done nothing wrong.
 */
class QuotaFullShareComplianceTest {
    @TempDir
    Path tmp;

    @Test
    void aFullShareIsReportedAsTheCauseNotAsAFailure() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        for (int i = 0; i < 4; i++) {
            Files.writeString(share.resolve("f" + i), "x");
        }
        Path policy = Files.writeString(tmp.resolve("p.yaml"), """
                image: t
                vms:
                  vm1:
                    listen: unix:%s
                    shares: {data: {path: %s, access: read-write, quotas: [{inodes: 4}]}}
                """.formatted(tmp.resolve("vm1.sock"), share));
        SuiteRun run;
        try (ServedGateway gateway = ServedGateway.serve(policy, Files.createDirectories(tmp.resolve("gw")))) {
            run = SuiteRun.against(policy, gateway, tmp.resolve("report"));
        }
        assertEquals(List.of(), run.lines("FAIL"), run::describe);
        assertTrue(
                run.lines("skip").stream()
                        .anyMatch(l -> l.contains("vm1/data/place/mkdir-scratch:")
                                && l.contains("the share's quota is reached: 4 of 4 inodes")),
                run::describe);
        assertEquals(SuiteReport.EXIT_INCOMPLETE, run.exitCode(), run::describe);
    }
}
