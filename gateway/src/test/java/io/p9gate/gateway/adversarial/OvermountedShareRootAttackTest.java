package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.testing.Processes.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.testing.LoggedLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * R-ROB-3, the other side of {@link UnmountedShareRootAttackTest}: the host mounts a file system over the share
 * directory after the gateway opened it (a data partition mounted late, a tmpfs for a test). The gateway's root is
 * the directory now shadowed, at the same kernel path, so RemovedShareDirectory's one readlink saw nothing and a new
 * Tattach was served from it: a create answered and recorded as done where no host path reaches it (the operator sees
 * the new mount at the path). A new Tattach is now ESTALE, with one WARNING per share, as for a removed or unmounted
 * share; a session attached before keeps being served; unmounted again, the directory is attached again. A moved root
 * stays served ({@link MovedShareRootAttackTest}).
 */
class OvermountedShareRootAttackTest {
    private static final int O_RDWR = 2;

    @TempDir
    Path tmp;

    @Test
    void aNewAttachAfterAMountOverTheShareDirectoryIsStaleAndTheOperatorIsTold() throws Exception {
        Path socket = tmp.resolve("alpha.sock");
        Path share = Files.createDirectories(tmp.resolve("srv/data"));
        Path policy = OwnershipRig.policy(tmp.resolve("policy.yaml"), OwnershipRig.vm("alpha", socket, 100000, share));
        try (LoggedLines log = new LoggedLines("io.p9gate");
                OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN);
                P9Client before = OwnershipRig.connect(socket)) {
            before.attach(0, "root", "data", 0);
            assumeTrue(run("mount", "-t", "tmpfs", "over-data", share.toString()) == 0, "mounts need root");
            try {
                String told = OwnershipRig.assertStaleToNewAttaches(socket, share, log);
                assertTrue(told.contains("restart"), told);
                try (Stream<Path> now = Files.list(share)) {
                    assertEquals(List.of(), now.toList(), "the mount now at the path is the host's alone");
                }
                before.lcreate(0, "kept", O_RDWR, 0644, 0); // the session attached before: the directory it holds
            } finally {
                run("umount", "-l", share.toString());
            }
            assertTrue(Files.exists(share.resolve("kept")), "the earlier session's create, seen once unmounted");
            try (P9Client again = OwnershipRig.connect(socket)) {
                again.attach(0, "root", "data", 0);
                again.walk(0, 1, "kept");
            }
        }
    }

    /**
     * The host moves the share directory (still served: the share is its open directory) and then mounts over it
     * where it now is. The root is shadowed there as at its configured path, so new writes would go where no host path
     * reaches: stale too, whether an attach found the moved root before the mount or not.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aNewAttachAfterAMountOverTheMovedShareDirectoryIsStale(boolean attachedWhileMoved) throws Exception {
        Path socket = tmp.resolve("alpha.sock");
        Path share = Files.createDirectories(tmp.resolve("srv/data"));
        Path moved = tmp.resolve("srv/moved");
        Path policy = OwnershipRig.policy(tmp.resolve("policy.yaml"), OwnershipRig.vm("alpha", socket, 100000, share));
        try (LoggedLines log = new LoggedLines("io.p9gate");
                OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN)) {
            Files.move(share, moved);
            if (attachedWhileMoved) {
                try (P9Client served = OwnershipRig.connect(socket)) {
                    served.attach(0, "root", "data", 0);
                }
            }
            assumeTrue(run("mount", "-t", "tmpfs", "over-moved", moved.toString()) == 0, "mounts need root");
            try {
                OwnershipRig.assertStaleToNewAttaches(socket, share, log);
                try (Stream<Path> now = Files.list(moved)) {
                    assertEquals(List.of(), now.toList(), "nothing made in the mount now at the moved path");
                }
            } finally {
                run("umount", "-l", moved.toString());
            }
        }
    }

    /**
     * Unmounted, the directory is served again; mounted over once more, new attaches are stale again and the operator
     * is told again: a guest's ESTALE with no line saying why would leave the second mount to be guessed.
     */
    @Test
    void aSecondMountOverTheShareDirectoryAfterItWasServedAgainIsToldAgain() throws Exception {
        Path socket = tmp.resolve("alpha.sock");
        Path share = Files.createDirectories(tmp.resolve("srv/data"));
        Path policy = OwnershipRig.policy(tmp.resolve("policy.yaml"), OwnershipRig.vm("alpha", socket, 100000, share));
        String warning = "share 'data' (" + share + "): a file system was mounted over it";
        try (LoggedLines log = new LoggedLines("io.p9gate");
                OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN)) {
            for (int mount = 1; mount <= 2; mount++) {
                assumeTrue(run("mount", "-t", "tmpfs", "over-data", share.toString()) == 0, "mounts need root");
                try {
                    try (P9Client after = OwnershipRig.connect(socket)) {
                        P9Exception stale = assertThrows(P9Exception.class, () -> after.attach(0, "root", "data", 0));
                        assertEquals(Errno.ESTALE, stale.errno(), stale.toString());
                    }
                    assertEquals(mount, log.startingWith(warning).size(), "WARNINGs after mount " + mount);
                } finally {
                    run("umount", "-l", share.toString());
                }
                try (P9Client again = OwnershipRig.connect(socket)) {
                    again.attach(0, "root", "data", 0);
                }
            }
        }
    }

    /**
     * What is not such a mount stays served: the directory bound onto itself (the same inode at the path, so writes
     * are seen there) and a share directory that was a mount point before the start. A mount over a directory above
     * the share hides it as one over the share does.
     */
    @Test
    void aBindOfTheDirectoryOntoItselfAndAShareMountedBeforeTheStartAreServedAMountAboveIsNot() throws Exception {
        Path socket = tmp.resolve("alpha.sock");
        Path share = Files.createDirectories(tmp.resolve("srv/data"));
        Path policy = OwnershipRig.policy(tmp.resolve("policy.yaml"), OwnershipRig.vm("alpha", socket, 100000, share));
        assumeTrue(run("mount", "-t", "tmpfs", "data-at-start", share.toString()) == 0, "mounts need root");
        try (LoggedLines log = new LoggedLines("io.p9gate");
                OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN)) {
            try (P9Client atStart = OwnershipRig.connect(socket)) {
                atStart.attach(0, "root", "data", 0);
                atStart.lcreate(0, "at-start", O_RDWR, 0644, 0);
            }
            assertTrue(run("mount", "--bind", share.toString(), share.toString()) == 0);
            try {
                try (P9Client bound = OwnershipRig.connect(socket)) {
                    bound.attach(0, "root", "data", 0);
                    bound.lcreate(0, "bound", O_RDWR, 0644, 0);
                }
                assertTrue(Files.exists(share.resolve("bound")), "the create seen at the path");
            } finally {
                run("umount", share.toString());
            }
            assertTrue(run("mount", "-t", "tmpfs", "over-srv", share.getParent().toString()) == 0);
            try {
                OwnershipRig.assertStaleToNewAttaches(socket, share, log);
            } finally {
                run("umount", "-l", share.getParent().toString());
            }
        } finally {
            run("umount", "-l", share.toString());
        }
    }
}
