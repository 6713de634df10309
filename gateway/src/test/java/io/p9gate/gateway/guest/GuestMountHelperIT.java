package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.fs.AllowAll;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 item 5b with the real kernel client: the shipped helper p9gate-mount mounts a share over a
 * virtio-serial port, the path a VMM gives a VM whose chardev is connected to the VM's unix socket.
 *
 * <p>run-guest.sh always mounts through its own relay on its port "p9", and a virtio-serial port opens only once,
 * so the helper cannot take that port. The VM gets a second port, "p9gate", connected to the same gateway socket
 * (QEMU arguments through the harness's H9_QEMU_EXTRA), and mount-helper.sh mounts through it with the helper
 * added by {@code --add-bin}.
 */
class GuestMountHelperIT {
    private static final String PORT_NAME = "p9gate";

    @Test
    void theShippedHelperMountsOverAVirtioSerialPort(@TempDir Path temp) throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path helper = MountHelper.build();
        Path share = PosixScript.traversableDir(temp.resolve("share"));
        Path socket = temp.resolve("vm.sock");
        GuestResult result;
        try (SignedAuditTrail trail = SignedLogs.in(temp).open();
                ShareServerFactory factory = new ShareServerFactory(Map.of("test", share), new AllowAll(), trail)) {
            GatewayConfig config = new GatewayConfig(
                    List.of(ListenSpec.parse("unix:" + socket)), factory, GatewayConfig.DEFAULT_MSIZE, 4);
            try (Gateway _ = Gateway.start(config)) {
                GuestRun run = GuestRun.script(RepoPaths.guestScripts().resolve("mount-helper.sh"))
                        .withAname("test")
                        .withBin(helper)
                        .withEnv("P9GATE_MOUNT", helper.toString());
                result = harness.run(
                        "p9gate-mount-helper", socket, run, GuestHarness.extraPorts(socket, List.of(PORT_NAME)));
            }
        }
        assertEquals(List.of(), result.failed(), result::describe);
        assertEquals(13, result.checks().size(), result::describe);
        assertEquals(
                "via-helper\n", Files.readString(share.resolve("helper.txt")), "the helper's write reached the share");
    }
}
