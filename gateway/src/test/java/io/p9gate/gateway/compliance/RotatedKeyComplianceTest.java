package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway whose audit key was rotated as docs/audit-format.md says (started again with a new key): its log holds
 * checkpoints of both keys, and verifying it needs both. Before, {@code --audit-pub} took one key, so the suite
 * failed audit/verify on every such gateway ("TAMPERED … UNKNOWN_KEY … signed only by unknown key(s)"), and giving
 * the retired key too was a usage error. Found deploying a package, rotating its key and running the suite.
 */
class RotatedKeyComplianceTest {
    @TempDir
    Path tmp;

    @Test
    void theLogOfARotatedKeyVerifiesWithEveryKeyOfItsLife() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path policy = Files.writeString(tmp.resolve("p.yaml"), """
                image: t
                vms:
                  vm1:
                    listen: unix:%s
                    shares: {data: {path: %s, access: read-only}}
                """.formatted(tmp.resolve("vm1.sock"), share));
        Path gw = Files.createDirectories(tmp.resolve("gw"));
        try (ServedGateway first = ServedGateway.serve(policy, gw)) {
            assertTrue(first.output().contains("p9gate: audit log"), first::output); // stopped (SIGTERM) at the end
        }
        Path retired = Files.move(gw.resolve("audit.pub"), tmp.resolve("retired.pub"));
        Files.move(gw.resolve("audit.key"), tmp.resolve("retired.key"));
        SuiteRun run;
        try (ServedGateway rotated = ServedGateway.serve(policy, gw)) { // the same log, a new key
            run = SuiteRun.against(
                    policy, rotated, tmp.resolve("report"), "--audit-pub", retired.toString(), "--max-creates", "0");
        }
        assertEquals(List.of(), run.lines("FAIL"), run::describe);
        assertTrue(
                run.lines("pass").stream().anyMatch(l -> l.contains("audit/verify") && l.contains("retired.pub")),
                run::describe);
    }
}
