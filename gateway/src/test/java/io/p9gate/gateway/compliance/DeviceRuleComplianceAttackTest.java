package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A share's {@code devices:} (R-CONF-2) is a rule of the policy like any other: a gateway that does not enforce the
 * file's {@code refuse} must fail the suite. Before, no probe sent a device's Tmknod, so a gateway serving the share
 * with {@code devices: mapped} passed a run with the file that says {@code refuse}.
 */
class DeviceRuleComplianceAttackTest {
    @TempDir
    Path tmp;

    private Path policy(String name, String devices) throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        return Files.writeString(tmp.resolve(name), """
                image: t
                vms:
                  vm1:
                    listen: unix:%s
                    shares: {data: {path: %s, access: read-write, devices: %s}}
                """.formatted(tmp.resolve("vm1.sock"), share, devices));
    }

    private SuiteRun run(Path served, Path checked) throws Exception {
        try (ServedGateway gateway = ServedGateway.serve(served, Files.createDirectories(tmp.resolve("gw")))) {
            return SuiteRun.against(checked, gateway, tmp.resolve("report"));
        }
    }

    @Test
    void aGatewayThatMapsDevicesTheFileRefusesFails() throws Exception {
        Path file = policy("file.yaml", "refuse");
        SuiteRun run = run(policy("served.yaml", "mapped"), file);
        List<String> failed = run.lines("FAIL");
        assertTrue(
                failed.stream().anyMatch(l -> l.contains("vm1/data/place/mknod-device")),
                () -> "the device check fails: " + run.describe());
        assertEquals(SuiteReport.EXIT_FAILED, run.exitCode(), run::describe);
    }

    @Test
    void aGatewayThatRefusesDevicesPassesTheDeviceCheck() throws Exception {
        Path file = policy("file.yaml", "refuse");
        SuiteRun run = run(file, file);
        assertTrue(run.lines("pass").stream().anyMatch(l -> l.contains("vm1/data/place/mknod-device")), run::describe);
        assertEquals(List.of(), run.lines("FAIL"), run::describe);
    }
}
