package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hidden subtree below the share's top level ({@code /a b/secret}): a Twalk from the root to it is refused at
 * its second name, which 9P2000.L answers with an Rwalk of the one name before it, not an Rlerror. Before, the
 * suite took that partial walk for the gateway letting the walk through and failed {@code hidden[0]/getattr},
 * {@code hidden[0]/below/walk} and {@code view} against a faithful gateway; found by
 * {@link GeneratedPolicyComplianceTest}.
 */
class DeepHiddenComplianceTest {
    @TempDir
    Path tmp;

    @Test
    void aWalkStoppedAtTheHiddenNameIsItsRefusal() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Files.writeString(Files.createDirectories(share.resolve("a b/secret")).resolve("f"), "x");
        Path policy = Files.writeString(tmp.resolve("p.yaml"), """
                image: t
                vms:
                  vm1:
                    listen: unix:%s
                    shares: {data: {path: %s, access: read-write, hidden: ["/a b/secret"]}}
                """.formatted(tmp.resolve("vm1.sock"), share));
        SuiteRun run = SuiteRun.served(policy, tmp, "--max-creates", "0");
        assertEquals(List.of(), run.lines("FAIL"), run::describe);
        assertTrue(run.out().contains("pass R-POL-4   vm1/data/hidden[0]/getattr"), run::describe);
        assertTrue(run.out().contains("pass R-POL-4   vm1/data/hidden[0]/below/walk"), run::describe);
    }
}
