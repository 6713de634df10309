package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.backend.LinuxSyscalls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rules of the policy file that no probe exercised: a gateway that does not enforce the file's word on them must fail
 * the suite. Before, no probe sent a device's Tmknod (a share's {@code devices:}, R-CONF-2) or a Tversion of a dialect
 * the VM's {@code dialects:} leaves out (R-PROTO-7), so a gateway serving {@code devices: mapped}, or every dialect,
 * passed those parts of a run with the file that says {@code refuse}, or {@code [9p2000.L]}. Likewise a VM's
 * {@code limits:}, {@code peer:} and socket mode were neither probed nor named in any report, so a reader took the whole
 * policy for verified: each is now probed (the socket's owner, group and mode; {@code limits.connections} and
 * {@code limits.fids}, {@code limits.descriptors}, {@code limits.xattr-bytes}) or listed as
 * "skipped: not probed (reason)" on the console, in report.xml and in report.html.
 */
class UnprobedRuleComplianceAttackTest {
    @TempDir
    Path tmp;

    private Path policy(String name, String vmKeys, String devices) throws Exception {
        return policyWith(name, vmKeys, "devices: " + devices);
    }

    private Path policyWith(String name, String vmKeys, String shareKeys) throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        return Files.writeString(tmp.resolve(name), """
                image: t
                vms:
                  vm1:
                    listen: unix:%s
                    %s
                    shares: {data: {path: %s, access: read-write, %s}}
                """.formatted(tmp.resolve("vm1.sock"), vmKeys, share, shareKeys));
    }

    private SuiteRun run(Path served, Path checked) throws Exception {
        try (ServedGateway gateway = ServedGateway.serve(served, Files.createDirectories(tmp.resolve("gw")))) {
            return SuiteRun.against(checked, gateway, tmp.resolve("report"));
        }
    }

    private static void failed(SuiteRun run, String check) {
        assertTrue(
                run.lines("FAIL").stream().anyMatch(l -> l.contains(check)), () -> check + " fails: " + run.describe());
        assertEquals(SuiteReport.EXIT_FAILED, run.exitCode(), run::describe);
    }

    @Test
    void aGatewayThatMapsDevicesTheFileRefusesFails() throws Exception {
        Path file = policy("file.yaml", "", "refuse");
        failed(run(policy("served.yaml", "", "mapped"), file), "vm1/data/place/mknod-device");
    }

    @Test
    void aGatewayThatServesADialectTheFileLeavesOutFails() throws Exception {
        Path file = policy("file.yaml", "dialects: [9p2000.L]", "refuse");
        failed(run(policy("served.yaml", "", "refuse"), file), "vm1/protocol/dialect-9p2000.u");
    }

    @Test
    void aFaithfulGatewayPassesTheDeviceAndDialectChecks() throws Exception {
        Path file = policy("file.yaml", "dialects: [9p2000.L, 9p2000]", "refuse");
        SuiteRun run = run(file, file);
        for (String check : List.of(
                "vm1/data/place/mknod-device", "vm1/protocol/dialect-9p2000.u", "vm1/protocol/dialect-9p2000:")) {
            assertTrue(
                    run.lines("pass").stream().anyMatch(l -> l.contains(check)), () -> check + ": " + run.describe());
        }
        assertEquals(List.of(), run.lines("FAIL"), run::describe);
    }

    private Path limitsPolicy(String name, String mode, int connections, int fids) throws Exception {
        return policy(
                name,
                "socket: {mode: \"%s\"}\n    peer: {uid: 0}\n    limits: {connections: %d, fids: %d, weight: 2}"
                        .formatted(mode, connections, fids),
                "refuse");
    }

    private static boolean has(SuiteRun run, String word, String check) {
        return run.lines(word).stream().anyMatch(l -> l.contains(check + ":"));
    }

    @Test
    void rulesNoCheckProbesAreListedAsNotProbedInEveryReport() throws Exception {
        Path file = limitsPolicy("file.yaml", "0600", 3, 200);
        SuiteRun run = run(file, file);
        assertEquals(List.of(), run.lines("FAIL"), run::describe);
        for (String check : List.of("vm1/limits/weight", "vm1/listener/peer")) {
            assertTrue(
                    run.lines("skip").stream().anyMatch(l -> l.contains(check + ":") && l.contains("(not probed (")),
                    () -> check + " is listed as not probed: " + run.describe());
        }
        for (String check :
                List.of("vm1/listener/socket", "vm1/listener/connections", "vm1/limits/fids", "protect/policy-file")) {
            assertTrue(has(run, "pass", check), () -> check + " passes: " + run.describe());
        }
        assertEquals(SuiteReport.EXIT_INCOMPLETE, run.exitCode(), run::describe);
        String xml = Files.readString(tmp.resolve("report/report.xml"));
        assertTrue(xml.contains("vm1/limits/weight") && xml.contains("<skipped message=\"not probed ("), xml);
        String html = Files.readString(tmp.resolve("report/report.html"));
        assertTrue(html.contains("vm1/listener/peer") && html.contains("not probed ("), "the HTML lists them");
    }

    @Test
    void aGatewayWithAWiderSocketOrMoreConnectionsThanTheFileFails() throws Exception {
        SuiteRun run = run(limitsPolicy("served.yaml", "0660", 5, 400), limitsPolicy("file.yaml", "0600", 3, 200));
        for (String check : List.of("vm1/listener/socket", "vm1/listener/connections", "vm1/limits/fids")) {
            assertTrue(has(run, "FAIL", check), () -> check + " fails: " + run.describe());
        }
        assertEquals(SuiteReport.EXIT_FAILED, run.exitCode(), run::describe);
    }

    private Path heldBudgetsPolicy(String name, int descriptors, String xattrBytes) throws Exception {
        return policy(
                name,
                "limits: {fids: 5000, descriptors: %d, xattr-bytes: %s}".formatted(descriptors, xattrBytes),
                "refuse");
    }

    /**
     * {@code limits.descriptors} and {@code limits.xattr-bytes} are filled on a connection of the suite's own: a
     * gateway that lets the VM hold twice what the file says fails both, the faithful one passes both. Before, both
     * were only listed as not probed.
     */
    @Test
    void aGatewayThatLetsTheVmHoldMoreDescriptorsOrXattrBytesThanTheFileFails() throws Exception {
        Path file = heldBudgetsPolicy("file.yaml", 200, "256KiB");
        SuiteRun wider = run(heldBudgetsPolicy("served.yaml", 400, "512KiB"), file);
        for (String check : List.of("vm1/limits/descriptors", "vm1/limits/xattr-bytes")) {
            assertTrue(has(wider, "FAIL", check), () -> check + " fails: " + wider.describe());
        }
    }

    @Test
    void aFaithfulGatewayPassesTheDescriptorAndXattrBudgetChecks() throws Exception {
        Path file = heldBudgetsPolicy("file.yaml", 200, "256KiB");
        SuiteRun faithful = run(file, file);
        for (String check : List.of("vm1/limits/descriptors", "vm1/limits/xattr-bytes")) {
            assertTrue(has(faithful, "pass", check), () -> check + " passes: " + faithful.describe());
        }
        assertEquals(List.of(), faithful.lines("FAIL"), faithful::describe);
    }

    /**
     * A share whose guest ids 0-65535 are host 100000-165535, with {@code permissions} as given; the share's directory
     * belongs to guest root's host user, so the suite (guest root) can make its place there under either mode.
     */
    private Path permissionsPolicy(String name, String permissions) throws Exception {
        Path file = policyWith(
                name,
                "ids: {uid: {ranges: [{guest: 0, host: 100000, count: 65536}]},"
                        + " gid: {ranges: [{guest: 0, host: 100000, count: 65536}]}}",
                "devices: refuse, permissions: " + permissions);
        Path share = tmp.resolve("share");
        // Removing a directory climbs from the share's directory up to / as the guest's host user: it must pass.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setAttribute(share, "unix:uid", 100000);
        Files.setAttribute(share, "unix:gid", 100000);
        return file;
    }

    @Test
    void aGatewayThatDoesNotEnforceHostPermissionsTheFileEnforcesFails() throws Exception {
        assumeTrue(LinuxSyscalls.geteuid() == 0, "acting as each guest user on the host needs a root test run");
        SuiteRun run = run(permissionsPolicy("served.yaml", "guest"), permissionsPolicy("file.yaml", "enforce"));
        assertTrue(
                run.lines("FAIL").stream()
                        .anyMatch(l -> l.contains("vm1/data/place/permissions:") && l.contains("opened guest uid")),
                () -> "place/permissions fails: " + run.describe());
        assertEquals(SuiteReport.EXIT_FAILED, run.exitCode(), run::describe);
    }

    @Test
    void aGatewayThatEnforcesHostPermissionsPassesTheCheck() throws Exception {
        assumeTrue(LinuxSyscalls.geteuid() == 0, "acting as each guest user on the host needs a root test run");
        Path file = permissionsPolicy("file.yaml", "enforce");
        SuiteRun run = run(file, file);
        assertTrue(has(run, "pass", "vm1/data/place/permissions"), () -> "place/permissions passes: " + run.describe());
        assertTrue(
                run.lines("skip").stream().noneMatch(l -> l.contains("/permissions")),
                () -> "nothing says permissions: enforce is not probed: " + run.describe());
        assertEquals(List.of(), run.lines("FAIL"), run::describe);
    }
}
