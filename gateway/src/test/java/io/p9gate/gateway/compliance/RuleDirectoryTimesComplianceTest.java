package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rule lets the VM create and remove {@code /logs/*.log} but not change {@code /logs} itself: the suite's rule
 * probes make a log of their own there and remove it, and cannot set the directory's times back (SETATTR is not
 * allowed on {@code /logs}). Before, the {@code unchanged} check then failed a faithful gateway with "/logs changed"
 * (its mtime); found by {@link GeneratedPolicyComplianceTest}. The mtime of such a directory is the suite's own
 * doing, like that of the directory holding its place (here {@code /a}, which the suite's place takes first).
 */
class RuleDirectoryTimesComplianceTest {
    @TempDir
    Path tmp;

    @Test
    void aDirectoryWhoseTimesCannotBeSetBackIsNotAChange() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Files.writeString(Files.createDirectories(share.resolve("logs")).resolve("today.log"), "x");
        Files.createDirectories(share.resolve("a"));
        Path policy = Files.writeString(tmp.resolve("p.yaml"), """
                image: t
                vms:
                  vm1:
                    listen: unix:%s
                    shares:
                      data:
                        path: %s
                        access: none
                        rules:
                          - {effect: allow, ops: [all], paths: ["/a/**"]}
                          - {id: logs, effect: allow, ops: [read, CREATE, OPEN_WRITE, REMOVE], paths: ["/logs/*.log"]}
                """.formatted(tmp.resolve("vm1.sock"), share));
        SuiteRun run = SuiteRun.served(policy, tmp, "--max-creates", "0");
        assertEquals(List.of(), run.lines("FAIL"), run::describe);
        assertTrue(run.out().contains("pass R-COMP-1  vm1/data/unchanged"), run::describe);
    }
}
