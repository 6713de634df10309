package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suite run against a share that a hostile guest prepared before the operator runs it: what the guest left
 * there may neither make the suite's verdict wrong, nor make it damage the guest's data, nor break its reports.
 * Each test serves a small policy ({@code serve --policy}, a signed audit log) over a share seeded host-side with
 * what the guest wrote, and runs {@code p9gate compliance run} against it as the operator would.
 */
class HostileShareComplianceTest {
    @TempDir
    Path tmp;

    private Path share;

    /** A policy of one VM with one read-write share {@code data} holding {@code extra} (YAML under the share). */
    private Path policy(String extra) throws Exception {
        share = Files.createDirectories(tmp.resolve("share"));
        return Files.writeString(tmp.resolve("p.yaml"), """
                image: t
                vms:
                  vm1:
                    listen: unix:%s
                    shares:
                      data:
                        path: %s
                        access: read-write
                %s""".formatted(tmp.resolve("vm1.sock"), share, extra.indent(8)));
    }

    private SuiteRun run(Path policy, String... more) throws Exception {
        try (ServedGateway served = ServedGateway.serve(policy, Files.createDirectories(tmp.resolve("gw")))) {
            return SuiteRun.against(policy, served, tmp.resolve("report"), more);
        }
    }

    /**
     * A guest made a directory tree deeper than one Twalk reaches (16 names, the 9P limit): a walk from the share
     * root to what lies below must take several Twalks, not end the VM's run with "cannot send Twalk" (a FAIL
     * that the gateway did nothing to earn, with every later check of the VM unrun).
     */
    @Test
    void aTreeDeeperThanOneTwalkIsWalkedInSteps() throws Exception {
        Path policy = policy("");
        Path deep = share;
        for (int i = 0; i < 20; i++) {
            deep = deep.resolve("d" + i);
        }
        Files.createDirectories(deep);
        Files.writeString(deep.resolve("leaf"), "x");
        SuiteRun run = run(policy);
        assertEquals(List.of(), run.lines("FAIL"), run::describe);
        assertTrue(run.out().contains("pass R-POL-4   vm1/data/view"), run::describe);
        assertEquals(SuiteReport.EXIT_PASSED, run.exitCode(), run::describe);
    }
}
