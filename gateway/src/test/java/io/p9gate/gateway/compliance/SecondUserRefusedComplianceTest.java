package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The second guest user's session of the read-only checks is one more connection: where the VM's
 * {@code limits.connections} is already reached (a live guest mount and the suite's own session), the gateway closes
 * it at accept. Before, that IOException ended the VM's run as {@code vm1/session} FAILED and the share's later
 * checks (rules, confinement, cleanup, unchanged) never ran; the as-uid checks are skipped, saying why, and the rest
 * run.
 */
class SecondUserRefusedComplianceTest {
    private static final int HOST_BASE = 200000;

    @TempDir
    Path tmp;

    @Test
    void aRefusedSecondUserConnectionSkipsOnlyTheAsUidChecks() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path base = Files.createDirectories(share.resolve("base"));
        for (Path p : List.of(share, base)) {
            Files.setAttribute(p, "unix:uid", HOST_BASE);
            Files.setAttribute(p, "unix:gid", HOST_BASE);
        }
        Path socket = tmp.resolve("vm1.sock");
        Path policy = Files.writeString(tmp.resolve("policy.yaml"), """
                image: one-vm
                vms:
                  vm1:
                    listen: unix:%1$s
                    limits: {connections: 2}
                    ids:
                      uid: {ranges: [{guest: 0, host: %2$d, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: %2$d, count: 65536}]}
                    shares:
                      data:
                        path: %3$s
                        access: read-write
                        read-only: [/base]
                """.formatted(socket, HOST_BASE, share));
        SuiteRun run;
        try (ServedGateway gateway = ServedGateway.serve(policy, Files.createDirectories(tmp.resolve("gw")));
                P9Client mount = new VmTransport.UnixSocket(socket).connect(8192)) {
            mount.version(8192, P9Client.VERSION); // the guest's mount: one of the VM's two connections
            run = SuiteRun.against(policy, gateway, tmp.resolve("report"));
        }
        System.out.println("second user refused: exit " + run.exitCode() + ": " + String.join(" | ", run.lines("FAIL"))
                + " || " + String.join(" | ", run.lines("skip")));
        assertTrue(run.lines("FAIL").stream().noneMatch(l -> l.contains("vm1/session")), run::describe);
        assertTrue(
                run.lines("skip").stream().anyMatch(l -> l.contains("R-POL-3   vm1/data/as-another-user")),
                run::describe);
        for (String check : List.of("vm1/data/cleanup", "vm1/data/unchanged")) {
            assertTrue(
                    run.lines("pass").stream().anyMatch(l -> l.contains(" " + check + ":")),
                    check + "\n" + run.describe());
        }
        assertEquals(
                List.of(),
                run.lines("FAIL").stream().filter(l -> l.contains("vm1/data/")).toList(),
                run::describe);
    }
}
