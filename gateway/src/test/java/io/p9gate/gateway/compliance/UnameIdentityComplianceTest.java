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
        caughtByAndPasses(twoVms(tmp, "one", "other", false), "vm1/attach-refused/other/uname-vm2");
    }

    /**
     * Two VMs each with a share named data, in directories of their own (the likely deployment); the gateway takes the
     * VM from Tattach's uname. vm1 claiming to be vm2 gets vm2's data: the suite must fail it. Before, a share name the
     * VM has too was never claimed, and such a gateway passed every check.
     */
    @Test
    void aVmTakenFromTattachUnameFailsTheSameNamedShareCheck() throws Exception {
        caughtByAndPasses(twoVms(tmp, "data", "data", false), "vm1/data/attach/uname-vm2");
    }

    /**
     * Both VMs' data is one host directory, where vm1 may not see /secret and vm2 may: the root qid is the same
     * either way, the walk to /secret tells whose policy the claimed session got.
     */
    @Test
    void aVmTakenFromTattachUnameFailsTheSameDirectoryCheck() throws Exception {
        caughtByAndPasses(twoVms(tmp, "data", "data", true), "vm1/data/attach/uname-vm2");
    }

    /** The uname mutant fails {@code check} (and the suite); the faithful gateway passes it. */
    private void caughtByAndPasses(Path policy, String check) throws Exception {
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
        assertTrue(fired.get() > 0, "no session was taken for vm2: the suite never claimed it in uname");
        assertEquals(SuiteReport.EXIT_FAILED, run.exitCode(), run::describe);
        assertTrue(run.lines("FAIL").stream().anyMatch(l -> l.contains("R-DEP-1   " + check + ":")), run::describe);

        SuiteRun faithful = SuiteRun.mutated(policy, tmp.resolve("faithful"), GatewayMutation.NONE, "--vm", "vm1");
        assertEquals(List.of(), faithful.lines("FAIL"), faithful::describe);
        assertTrue(faithful.out().contains("pass R-DEP-1   " + check + ":"), faithful::describe);
    }

    /**
     * vm1's share named {@code one} in directory one; vm2's share named {@code other} in directory other (vm2-only in
     * it), or with {@code oneDirectory} in directory one too, whose /secret vm1's policy hides.
     */
    private static Path twoVms(Path dir, String one, String other, boolean oneDirectory) throws Exception {
        Path oneDir = Files.createDirectories(dir.resolve("one"));
        Files.writeString(oneDir.resolve("secret"), "vm2's");
        Path otherDir = oneDirectory ? oneDir : Files.createDirectories(dir.resolve("other"));
        Files.writeString(otherDir.resolve("vm2-only"), "vm2's");
        for (Path p : List.of(oneDir, otherDir, oneDir.resolve("secret"), otherDir.resolve("vm2-only"))) {
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
                      %6$s: {path: %4$s, access: read-write, hidden: [/secret]}
                  vm2:
                    listen: unix:%2$s
                    ids:
                      uid: {ranges: [{guest: 0, host: %3$d, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: %3$d, count: 65536}]}
                    shares:
                      %7$s: {path: %5$s, access: read-write}
                """.formatted(
                        dir.resolve("vm1.sock"), dir.resolve("vm2.sock"), HOST_BASE, oneDir, otherDir, one, other));
    }
}
