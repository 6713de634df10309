package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.testing.Root;
import io.p9gate.policy.ids.IdRange;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Red team (R-POL-5, a regression of the overflow id becoming (u32)-2): the Linux 9P2000.L client, creating in a
 * set-gid directory, names the directory's group as it is SHOWN as the new entry's gid. For a host group outside the
 * VM's map (a host group "shared", another VM's) that is the overflow id, which no map maps, so "a file is never given
 * an unmapped owner" refused every {@code touch} and {@code mkdir} there (EOVERFLOW; EACCES under {@code permissions:
 * enforce}), where the client used to name 65534 and it worked. Linux in a user namespace allows such a create
 * (only the caller's fsuid/fsgid must be mapped). The new entry must not take the directory's group, though, which
 * may be another VM's: that VM's users would get group access to it (CreatedInAnotherVmsSetGidDirectoryAttackTest).
 * So the overflow gid there names no group, as a 9P2000.u Tcreate names none: the entry gets, and the request acts
 * as, guest 65534's group, as before the change. The overflow gid anywhere else (a directory that is not set-gid, or
 * whose group the map covers) is still refused.
 */
class SetGidUnmappedGroupCreateAttackTest {
    private static final int O_RDWR = 2;
    private static final long GETATTR_BASIC = 0x7ffL;
    /** (u32)-2, what the VM is shown for a host group outside its map, and what its client sends back. */
    private static final int OVERFLOW = (int) IdRange.MAX_ID;

    private static final int GUEST_USER = 1000;
    /** Guest nobody: the group of requests naming none, mapped. */
    private static final int NOBODY = 65534;

    private static final int BASE = HostShareGateway.HOST_ID_BASE;
    /** A host group outside the map (guest 0-65535 at host 100000-165535). */
    private static final int HOST_GROUP = 5000;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void aCreateInASetGidDirectoryOfAnUnmappedGroupTakesTheGroupOfRequestsNamingNone(OwnershipMode mode)
            throws Exception {
        Root.assumeRoot("a host group outside the map");
        Path share = Files.createDirectories(tmp.resolve("shared"));
        Path dir = hostDirectory(share, "team", HOST_GROUP, true);
        Path socket = tmp.resolve("vm.sock");
        Path policy = OwnershipRig.policy(tmp.resolve("policy.yaml"), OwnershipRig.vm("vm", socket, BASE, share));
        try (OwnershipRig _ = new OwnershipRig(policy, mode);
                P9Client guest = OwnershipRig.connect(socket)) {
            guest.attach(0, "u", "data", GUEST_USER);
            guest.walk(0, 1, "team");
            assertEquals(OVERFLOW, guest.getattr(1, GETATTR_BASIC).gid(), "the directory's group as the VM sees it");
            guest.walk(1, 2);
            guest.lcreate(2, "f", O_RDWR, 0644, OVERFLOW);
            guest.mkdir(1, "d", 0755, OVERFLOW);
            guest.walk(1, 3, "d");

            for (int fid : new int[] {2, 3}) {
                Attr made = guest.getattr(fid, GETATTR_BASIC);
                assertEquals(GUEST_USER, made.uid(), "fid " + fid);
                assertEquals(NOBODY, made.gid(), "fid " + fid + ": the group of requests naming none");
            }
            for (String name : new String[] {"f", "d"}) {
                Path entry = dir.resolve(name);
                assertEquals(BASE + NOBODY, hostGroup(entry, mode), name + ": guest nobody's host group");
                assertEquals(BASE + GUEST_USER, hostOwner(entry, mode), name);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void theOverflowGidIsStillRefusedWhereTheDirectoryDoesNotGiveIt(OwnershipMode mode) throws Exception {
        Root.assumeRoot("a host group outside the map");
        Path share = Files.createDirectories(tmp.resolve("shared"));
        Path plain = hostDirectory(share, "plain", HOST_GROUP, false);
        Path mapped = hostDirectory(share, "mapped", BASE + 100, true);
        Path socket = tmp.resolve("vm.sock");
        Path policy = OwnershipRig.policy(tmp.resolve("policy.yaml"), OwnershipRig.vm("vm", socket, BASE, share));
        try (OwnershipRig _ = new OwnershipRig(policy, mode);
                P9Client guest = OwnershipRig.connect(socket)) {
            guest.attach(0, "u", "data", GUEST_USER);
            for (String name : new String[] {"plain", "mapped"}) {
                guest.walk(0, 1, name);
                guest.walk(1, 2);
                assertEquals(
                        Errno.EOVERFLOW,
                        assertThrows(P9Exception.class, () -> guest.lcreate(2, "f", O_RDWR, 0644, OVERFLOW))
                                .errno(),
                        name);
                assertEquals(
                        Errno.EOVERFLOW,
                        assertThrows(P9Exception.class, () -> guest.mkdir(1, "d", 0755, OVERFLOW))
                                .errno(),
                        name);
                guest.clunk(2);
                guest.clunk(1);
            }
            try (var plainList = Files.list(plain);
                    var mappedList = Files.list(mapped)) {
                assertEquals(0, plainList.count() + mappedList.count(), "nothing made");
            }
        }
    }

    /**
     * Linux gives an entry made in a set-gid directory the directory's group whatever group the creator acts as; the
     * Linux client names that group, but a raw Tlcreate or Tmkdir naming another mapped group got it. Not fixed:
     * knowing whether the directory is set-gid costs a stat of it on every create (MetaSyscallsTest bounds a create
     * at 4.5 system calls), left to the lead.
     */
    @org.junit.jupiter.api.Disabled("found, not fixed: a stat of the directory per create; see the comment")
    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void aRawCreateNamingAnotherMappedGroupInASetGidDirectoryTakesTheDirectorysGroup(OwnershipMode mode)
            throws Exception {
        Root.assumeRoot("host groups");
        Path share = Files.createDirectories(tmp.resolve("shared"));
        Path dir = hostDirectory(share, "team", BASE + 100, true);
        Path socket = tmp.resolve("vm.sock");
        Path policy = OwnershipRig.policy(tmp.resolve("policy.yaml"), OwnershipRig.vm("vm", socket, BASE, share));
        try (OwnershipRig _ = new OwnershipRig(policy, mode);
                P9Client guest = OwnershipRig.connect(socket)) {
            guest.attach(0, "u", "data", GUEST_USER);
            guest.walk(0, 1, "team");
            guest.walk(1, 2);
            guest.lcreate(2, "f", O_RDWR, 0644, GUEST_USER);
            guest.mkdir(1, "d", 0755, GUEST_USER);
            for (String name : new String[] {"f", "d"}) {
                assertEquals(BASE + 100, hostGroup(dir.resolve(name), mode), name + ": the directory's group");
            }
        }
    }

    /** Under {@code permissions: enforce} the create acts on the host as the guest user: it was refused EACCES. */
    @Test
    void underEnforceTheCreateActsAsGuestNobodysGroup() throws Exception {
        Root.assumeRoot("a host group outside the map");
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "permissions: enforce", "data");
                P9Client guest = gw.attached("data", GUEST_USER)) {
            Path dir = hostDirectory(gw.share("data"), "team", HOST_GROUP, true);
            guest.walk(0, 1, "team");
            guest.walk(1, 2);
            guest.lcreate(2, "f", O_RDWR, 0644, OVERFLOW);
            guest.mkdir(1, "d", 0755, OVERFLOW);
            for (String name : new String[] {"f", "d"}) {
                assertEquals(BASE + NOBODY, hostGroup(dir.resolve(name), OwnershipMode.CHOWN), name);
                assertEquals(BASE + GUEST_USER, hostOwner(dir.resolve(name), OwnershipMode.CHOWN), name);
            }
        }
    }

    /**
     * Another VM's set-gid directory (beta's root's, host group 200000): what alpha's client makes there naming the
     * overflow id, the group alpha is shown, gives beta's users no group access.
     */
    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void inAnotherVmsSetGidDirectoryTheNewFileIsNotInItsGroup(OwnershipMode mode) throws Exception {
        Path share = Files.createDirectories(tmp.resolve("shared"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(share, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path alphaSocket = tmp.resolve("alpha.sock");
        Path betaSocket = tmp.resolve("beta.sock");
        Path policy = OwnershipRig.policy(
                tmp.resolve("policy.yaml"),
                OwnershipRig.vm("alpha", alphaSocket, BASE, share),
                OwnershipRig.vm("beta", betaSocket, 2 * BASE, share));
        try (OwnershipRig _ = new OwnershipRig(policy, mode);
                P9Client alpha = OwnershipRig.connect(alphaSocket);
                P9Client beta = OwnershipRig.connect(betaSocket)) {
            beta.attach(0, "root", "data", 0);
            beta.walk(0, 1);
            beta.mkdir(1, "team", 02777, 0);
            alpha.attach(0, "alice", "data", GUEST_USER);
            alpha.walk(0, 1, "team");
            assertEquals(OVERFLOW, alpha.getattr(1, GETATTR_BASIC).gid(), "beta's group as alpha sees it");
            alpha.lcreate(1, "new", O_RDWR, 0664, OVERFLOW);
            assertEquals(NOBODY, alpha.getattr(1, GETATTR_BASIC).gid(), "alpha's own group of requests naming none");
            beta.walk(0, 2, "team", "new");
            assertEquals(OVERFLOW, beta.getattr(2, GETATTR_BASIC).gid(), "beta's users get no group access");
        }
    }

    /** A host directory {@code parent/name} of root and {@code group}, mode 0777, and set-gid if asked. */
    private static Path hostDirectory(Path parent, String name, int group, boolean setGid) throws Exception {
        Path dir = Files.createDirectory(parent.resolve(name));
        Files.setAttribute(dir, "unix:gid", group);
        // Java's file attributes cannot set S_ISGID.
        Process chmod = new ProcessBuilder("chmod", setGid ? "2777" : "0777", dir.toString())
                .inheritIO()
                .start();
        assertEquals(0, chmod.waitFor(), "chmod");
        assertEquals(setGid ? 02777 : 0777, attribute(dir, "mode") & 07777);
        return dir;
    }

    /** The host group the gateway gives {@code entry}: the inode's, or in xattr ownership the one it stores. */
    private static int hostGroup(Path entry, OwnershipMode mode) throws Exception {
        return mode == OwnershipMode.XATTR ? stored(entry, "p9gate.host-gid") : attribute(entry, "gid");
    }

    private static int hostOwner(Path entry, OwnershipMode mode) throws Exception {
        return mode == OwnershipMode.XATTR ? stored(entry, "p9gate.host-uid") : attribute(entry, "uid");
    }

    private static int attribute(Path entry, String which) throws Exception {
        return (Integer) Files.getAttribute(entry, "unix:" + which, LinkOption.NOFOLLOW_LINKS);
    }

    private static int stored(Path entry, String name) throws Exception {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(entry, UserDefinedFileAttributeView.class);
        ByteBuffer value = ByteBuffer.allocate(view.size(name));
        view.read(name, value);
        return Integer.parseInt(new String(value.array(), 0, value.position(), StandardCharsets.US_ASCII));
    }
}
