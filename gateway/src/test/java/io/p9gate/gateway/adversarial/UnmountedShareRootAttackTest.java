package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.testing.Processes.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.testing.LoggedLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-3, the host under the gateway: a VM's share is a mount point (its own file system: a tmpfs, a USB or data
 * partition) and the operator unmounts it while the gateway serves it. The gateway's open root keeps the mount busy,
 * so only {@code umount -l} succeeds, and it detaches the mount from the host's tree while the gateway's handle still
 * reaches it. Before, a new mount of the VM attached the detached file system: writes answered and recorded as done,
 * in a file system no host path reaches any more (a tmpfs's lost with the gateway's last handle; a device's written
 * while the operator holds it unmounted, to check or remove it). A Tattach of a share whose mount is gone is now
 * ESTALE, recorded, with one WARNING per share telling the operator to restart, as for a removed share directory.
 */
class UnmountedShareRootAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aShareRootTheHostUnmountedIsStaleToANewAttachAndTheOperatorIsTold() throws Exception {
        Path socket = tmp.resolve("alpha.sock");
        Path share = Files.createDirectories(tmp.resolve("srv/data"));
        assumeTrue(run("mount", "-t", "tmpfs", "alpha-data", share.toString()) == 0, "mounts need root");
        try {
            Files.createDirectory(share.resolve("sub"));
            Path policy =
                    OwnershipRig.policy(tmp.resolve("policy.yaml"), OwnershipRig.vm("alpha", socket, 100000, share));
            try (LoggedLines log = new LoggedLines("io.p9gate");
                    OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN);
                    P9Client before = OwnershipRig.connect(socket)) {
                before.attach(0, "root", "data", 0);

                assertEquals(0, run("umount", "-l", share.toString()), "umount -l");

                OwnershipRig.assertStaleToNewAttaches(socket, share, log);
                try (Stream<Path> now = Files.list(share)) {
                    assertEquals(List.of(), now.toList(), "the directory now at the path is the host's alone");
                }
            }
        } finally {
            run("umount", "-l", share.toString());
        }
    }
}
