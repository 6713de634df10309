package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.policyadapter.GatewayMutation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway that takes the VM from Tattach's uname instead of the transport (R-DEP-1) must fail the suite. Before
 * {@code V/attach-refused/NAME/uname-W}, every attach of the suite said uname "p9gate-compliance", which names no VM,
 * and such a gateway passed every check (exit 0).
 */
class UnameIdentityComplianceTest {
    private static final int HOST_BASE = 200000;

    @TempDir
    Path tmp;

    /**
     * Two VMs; the gateway takes the VM from Tattach's uname: vm1, on its own socket, claiming to be vm2, attaches
     * vm2's share. The suite must fail vm1's refusal of vm2's share; the faithful gateway passes it.
     */
    @Test
    void aVmTakenFromTattachUnameFailsTheForeignShareCheck() throws Exception {
        Path policy = twoVms(tmp);
        AtomicInteger fired = new AtomicInteger();
        SuiteRun run = SuiteRun.mutated(
                policy,
                tmp.resolve("mutant"),
                Mutants.vmFromUname("vm from uname", Set.of("vm1", "vm2"))
                        .build()
                        .apply(fired),
                "--vm",
                "vm1");
        System.out.println("uname mutant: changed " + fired.get() + " sessions, suite exit " + run.exitCode() + ": "
                + String.join(" | ", run.lines("FAIL")));
        assertTrue(fired.get() > 0, "no session was taken for another VM: the suite never claimed one in uname");
        assertEquals(SuiteReport.EXIT_FAILED, run.exitCode(), run::describe);
        assertTrue(
                run.lines("FAIL").stream().anyMatch(l -> l.contains("R-DEP-1   vm1/attach-refused/other")),
                run::describe);

        SuiteRun faithful = SuiteRun.mutated(policy, tmp.resolve("faithful"), GatewayMutation.NONE, "--vm", "vm1");
        assertEquals(List.of(), faithful.lines("FAIL"), faithful::describe);
        assertTrue(faithful.out().contains("pass R-DEP-1   vm1/attach-refused/other"), faithful::describe);
    }

    private static Path twoVms(Path dir) throws Exception {
        Path one = Files.createDirectories(dir.resolve("one"));
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.writeString(other.resolve("vm2-only"), "vm2's");
        for (Path p : List.of(one, other, other.resolve("vm2-only"))) {
            Files.setAttribute(p, "unix:uid", HOST_BASE);
            Files.setAttribute(p, "unix:gid", HOST_BASE);
        }
        return Files.writeString(dir.resolve("policy.yaml"), """
                image: two-vms
                vms:
                  vm1:
                    listen: unix:%1$s
                    ids:
                      uid: {ranges: [{guest: 0, host: %3$d, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: %3$d, count: 65536}]}
                    shares:
                      one: {path: %4$s, access: read-write}
                  vm2:
                    listen: unix:%2$s
                    ids:
                      uid: {ranges: [{guest: 0, host: %3$d, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: %3$d, count: 65536}]}
                    shares:
                      other: {path: %5$s, access: read-write}
                """.formatted(
                        dir.resolve("vm1.sock"), dir.resolve("vm2.sock"), HOST_BASE, one, other));
    }
}
