package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.testing.Processes.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.testing.LoggedLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A share with {@code permissions: enforce} whose host directory lies under one its guests' host users cannot
 * search (/srv/p9 mode 0700, root's, serving /srv/p9/data): whether a directory holds a share's root is the
 * gateway's question, not the guest user's, so it is answered whatever that user may search above the share. Every
 * rmdir and directory rename there was EBUSY: the climb by ".." from the share's root failed with EACCES as the
 * guest's host user, and a root that cannot be placed is taken to be beneath every directory.
 */
class ShareRootCheckUnderEnforceTest {
    private static final int GUEST_USER = 1000;
    private static final int AT_REMOVEDIR = 0x200;

    @TempDir
    Path tmp;

    @BeforeEach
    void root() {
        assumeTrue(LinuxSyscalls.geteuid() == 0, "acting as a guest's host user needs a root test run");
    }

    @Test
    void aGuestUserRemovesAndRenamesItsOwnDirectoriesUnderAnUnsearchableParent() throws Exception {
        Path data = writable(unsearchableParent().resolve("data"));
        try (HostShareGateway gw = HostShareGateway.serving(
                        tmp, List.of(new HostShareGateway.Share("data", data, "permissions: enforce")));
                P9Client guest = gw.attached("data", GUEST_USER)) {
            guest.mkdir(0, "made", 0755, GUEST_USER);
            guest.unlinkat(0, "made", AT_REMOVEDIR);
            assertFalse(Files.exists(data.resolve("made")));
            guest.mkdir(0, "made", 0755, GUEST_USER);
            guest.renameat(0, "made", 0, "moved");
            assertTrue(Files.isDirectory(data.resolve("moved")));
        }
    }

    @Test
    void aDirectoryHoldingAnotherSharesRootStaysBusyUnderAnUnsearchableParent() throws Exception {
        Path outer = writable(unsearchableParent().resolve("outer"));
        Path inner = Files.createDirectory(outer.resolve("inner"));
        Files.setPosixFilePermissions(inner, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (HostShareGateway gw = HostShareGateway.serving(
                        tmp,
                        List.of(
                                new HostShareGateway.Share("outer", outer, "permissions: enforce"),
                                new HostShareGateway.Share("inner", inner, "permissions: enforce")));
                P9Client guest = gw.attached("outer", GUEST_USER)) {
            assertEquals(Errno.EBUSY, refused(() -> guest.unlinkat(0, "inner", AT_REMOVEDIR)));
            assertEquals(Errno.EBUSY, refused(() -> guest.renameat(0, "inner", 0, "away")));
            assertTrue(Files.isDirectory(inner), "the other share's directory is still in its place");
        }
    }

    /**
     * The attach's look at the share's path for a file system mounted over it (RemovedShareDirectory) is the gateway's
     * too: as the guest's host user its statx failed with EACCES under the 0700 parent, which served the share, so a
     * new attach after a tmpfs was mounted over the directory was served from the shadowed one (creates answered and
     * recorded as done where no host path reaches them).
     */
    @Test
    void aMountOverTheShareDirectoryIsSeenUnderAnUnsearchableParent() throws Exception {
        Path data = writable(unsearchableParent().resolve("data"));
        try (LoggedLines log = new LoggedLines("io.p9gate");
                HostShareGateway gw = HostShareGateway.serving(
                        tmp, List.of(new HostShareGateway.Share("data", data, "permissions: enforce")))) {
            gw.attached("data", GUEST_USER).close();
            assumeTrue(run("mount", "-t", "tmpfs", "over-data", data.toString()) == 0, "mounts need root");
            try {
                assertEquals(
                        Errno.ESTALE,
                        refused(() -> gw.attached("data", GUEST_USER).close()));
                assertEquals(
                        1,
                        log.startingWith("share 'data' (" + data + "): a file system was mounted over it")
                                .size());
            } finally {
                run("umount", "-l", data.toString());
            }
            gw.attached("data", GUEST_USER).close(); // unmounted: served again
        }
    }

    /** {@code tmp/private}, root's, mode 0700: no guest's host user may search it. */
    private Path unsearchableParent() throws Exception {
        Path parent = Files.createDirectory(tmp.resolve("private"));
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx------"));
        return parent;
    }

    /** {@code dir}, made writable by every host user (so only the share-root check can refuse a rmdir in it). */
    private static Path writable(Path dir) throws Exception {
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        return dir;
    }

    private interface Request {
        void send() throws Exception;
    }

    private static Errno refused(Request request) {
        return assertThrows(P9Exception.class, request::send).errno();
    }
}
