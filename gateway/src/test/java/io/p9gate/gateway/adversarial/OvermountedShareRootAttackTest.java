package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.testing.Processes.run;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-3, the other side of {@link UnmountedShareRootAttackTest}: the host mounts a file system over the share
 * directory after the gateway opened it (a data partition mounted late, a tmpfs for a test). The gateway's root is
 * the directory now shadowed, at the same kernel path, so RemovedShareDirectory's one readlink sees nothing and a new
 * Tattach is served from it: a create is answered and recorded as done where no host path reaches it (the operator
 * sees the new mount at the path). Either ESTALE, as for a removed or unmounted share, or the new mount would do;
 * telling it needs the configured path's stat per Tattach (dev/ino against the root's), and a choice against
 * MovedShareRootAttackTest's "a moved root stays served". Not fixed: for the lead.
 */
class OvermountedShareRootAttackTest {
    private static final int O_RDWR = 2;

    @TempDir
    Path tmp;

    @Test
    @Disabled("reproduction, not fixed: a new attach serves the shadowed directory (see the class comment)")
    void aNewAttachAfterAMountOverTheShareDirectoryDoesNotWriteWhereNoHostPathReaches() throws Exception {
        Path socket = tmp.resolve("alpha.sock");
        Path share = Files.createDirectories(tmp.resolve("srv/data"));
        Path policy = OwnershipRig.policy(tmp.resolve("policy.yaml"), OwnershipRig.vm("alpha", socket, 100000, share));
        try (OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN)) {
            assumeTrue(run("mount", "-t", "tmpfs", "over-data", share.toString()) == 0, "mounts need root");
            try (P9Client after = OwnershipRig.connect(socket)) {
                boolean made;
                try {
                    after.attach(0, "root", "data", 0);
                    after.lcreate(0, "made", O_RDWR, 0644, 0);
                    made = true;
                } catch (P9Exception refused) {
                    made = false;
                }
                assertTrue(
                        !made || Files.exists(share.resolve("made")),
                        "the create was answered, but nothing is at the host path " + share);
            } finally {
                run("umount", "-l", share.toString());
            }
        }
    }
}
