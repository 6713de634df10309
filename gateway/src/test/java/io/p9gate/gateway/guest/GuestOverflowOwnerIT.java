package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.testing.Root;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The finding of adversarial.OverflowOwnerAttackTest in a real guest: alpha's map {guest: 0, host: 100000, count:
 * 65536} maps guest nobody (65534), so while the overflow id was 65534 the Linux client showed host root's 0600 file
 * as nobody's and let nobody read it, append "pwned", chmod it 0666 and set its time. Now it shows as 4294967294 and
 * nobody gets EACCES/EPERM; the host file is unchanged. And a touch/mkdir in a host set-gid directory of a group
 * outside the map, whose shown group 4294967294 the client names as the new entry's, is made in guest nobody's
 * group (adversarial.SetGidUnmappedGroupCreateAttackTest), not refused.
 */
class GuestOverflowOwnerIT {
    @TempDir
    Path tmp;

    @Test
    void guestNobodyIsNotTheOwnerOfHostRootsFile() throws Exception {
        Root.assumeRoot("a host file of root's");
        GuestHarness harness = GuestHarness.locate();
        PolicyFixture fx = new PolicyFixture(tmp, "100000");
        Path secret = Files.writeString(fx.data.resolve("topsecret"), "topsecret");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path team = Files.createDirectory(fx.data.resolve("team"));
        Files.setAttribute(team, "unix:gid", 5000);
        assertEquals(
                0,
                new ProcessBuilder("chmod", "2777", team.toString())
                        .inheritIO()
                        .start()
                        .waitFor());
        Path helper = PosixScript.compileHelper();
        PolicyHolder holder = fx.holder();
        try (ShareServerFactory shares = fx.shares(holder, OwnershipMode.CHOWN);
                Gateway _ = Gateway.start(new GatewayConfig(
                        PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 8))) {
            GuestResult result = harness.run(
                    "p9gate-overflow-owner",
                    fx.alphaSocket,
                    GuestRun.script(RepoPaths.composed(tmp.resolve("script"), "tap.sh", "overflow-owner.sh"))
                            .withBin(helper)
                            .withEnv("POSIX_HELPER", helper.toString()));
            assertEquals(List.of(), result.failed(), result::describe);
            assertEquals(4, result.checks().size(), result::describe);
            assertEquals(0, result.exitCode(), result::describe);
        }
        assertEquals("topsecret", Files.readString(secret), "nothing appended");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)));
        for (String made : new String[] {"f", "d"}) {
            assertEquals(165534, Files.getAttribute(team.resolve(made), "unix:gid"), made + ": guest nobody's group");
        }
    }
}
