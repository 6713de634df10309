package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-POL-4, two VMs): beta's share is {@code /srv/data/b}, with {@code /pub/vault} hidden; alpha's share is a
 * bind mount of {@code /srv/data/b/pub}, its own writable folder. Beta lists {@code pub/x} through an open fid; alpha
 * moves {@code x} into {@code vault}, and files are put there later. A rename through alpha's share climbs ".." from
 * its directories to find the shares that hold them, but from a bind mount the climb leaves through the mount point
 * and never passes beta's root: beta kept its remembered path {@code pub/x}, and its next Treaddir, decided and
 * recorded as {@code pub/x}, listed the names put in its hidden {@code pub/vault/x}, which no walk of beta's can
 * reach. Every share of the same file system seen through another mount now forgets its paths at such a rename.
 */
class BindMountedShareMoveAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aMoveThroughABindMountedShareIsSeenByTheShareAroundIt() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("srv/data"));
        Files.createDirectories(data.resolve("b/pub/x"));
        Files.createDirectories(data.resolve("b/pub/vault"));
        Path mounted = Files.createDirectories(tmp.resolve("alpha-mnt"));
        assumeTrue(
                run("mount", "--bind", data.resolve("b/pub").toString(), mounted.toString()) == 0,
                "bind mounts need root (CAP_SYS_ADMIN)");
        try (OverlappingSharesRig rig =
                new OverlappingSharesRig(tmp, mounted, data.resolve("b"), "hidden: [/pub/vault]")) {
            rig.beta.walk(0, 1, "pub", "x");
            rig.beta.lopen(1, 0);
            assertEquals(2, rig.beta.readdir(1, 0, 8192).size(), ". and ..");

            rig.alpha.walk(0, 10, "vault");
            rig.alpha.renameat(0, "x", 10, "x");
            Files.writeString(data.resolve("b/pub/vault/x/later"), "hidden from beta");

            P9Exception listed = assertThrows(
                    P9Exception.class,
                    () -> rig.beta.readdir(1, 0, 8192),
                    "beta listed a directory now in its hidden subtree");
            assertEquals(Errno.ENOENT, listed.errno());
        } finally {
            run("umount", "-l", mounted.toString());
        }
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
