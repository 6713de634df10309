package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.testing.Root;
import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.ids.IdRange;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * busybox's chown and chgrp call chown(2) with the id the guest was shown for the field the user leaves alone, so the
 * Linux client (6.1) sends a Tsetattr with both the owner and group bits set (valid 0x46). On a host file whose owner (group) the VM's
 * map does not cover, shown as the overflow id, guest root's {@code chgrp 1000 f} thus named owner 4294967294 and was
 * refused EINVAL (ids.unmapped-id), though a Tsetattr of the group alone is allowed. A field naming what the guest is
 * shown for the file, where the map does not map it, now leaves it unchanged; the host owner is never set to an
 * unmapped id, and the overflow id where the guest is shown another is still refused.
 */
class ShownOwnerChownAttackTest {
    private static final int OVERFLOW = (int) IdRange.MAX_ID;
    private static final int LINUX_CHOWN = SetAttr.SETATTR_UID | SetAttr.SETATTR_GID | SetAttr.SETATTR_CTIME;
    private static final int GUEST_ROOT = 0;
    private static final int GUEST_USER = 1000;
    private static final int BASE = HostShareGateway.HOST_ID_BASE;
    /** A host user of no VM's. */
    private static final int ALICE = 1234;

    @TempDir
    Path tmp;

    @BeforeEach
    void root() {
        Root.assumeRoot("the gateway chowns only as root");
    }

    @Test
    void guestRootChgrpsAndChownsHostRootsFileAsTheLinuxClientAsks() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data");
                P9Client guest = gw.attached("data", GUEST_ROOT)) {
            Path grouped = hostFile(gw, "grouped", 0, 0);
            Path owned = hostFile(gw, "owned", 0, 0);
            guest.walk(0, 1, "grouped");
            guest.setattr(1, linuxChown(OVERFLOW, GUEST_USER)); // chgrp 1000 grouped
            assertEquals(List.of(0, BASE + GUEST_USER), owner(grouped), "the group changed, the owner left alone");
            guest.walk(0, 2, "owned");
            guest.setattr(2, linuxChown(GUEST_USER, OVERFLOW)); // chown 1000 owned
            assertEquals(List.of(BASE + GUEST_USER, 0), owner(owned), "the owner changed, the group left alone");
            guest.setattr(2, linuxChown(GUEST_USER, OVERFLOW)); // again: the owner named as shown now
            assertEquals(List.of(BASE + GUEST_USER, 0), owner(owned));

            List<AuditEntry> setattrs = setattrs(gw);
            assertEquals(3, setattrs.size(), setattrs.toString());
            setattrs.forEach(r -> assertTrue(r.decision().allowed(), r.toString()));
            // The records say what changed: no owner was given the overflow id.
            assertEquals("valid=0x44 gid=1000", setattrs.get(0).request().detail());
            assertEquals("valid=0x42 uid=1000", setattrs.get(1).request().detail());
        }
    }

    @Test
    void theOverflowIdIsStillRefusedWhereTheGuestIsShownAnother() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data");
                P9Client guest = gw.attached("data", GUEST_ROOT)) {
            Path file = hostFile(gw, "f", BASE + GUEST_USER, 0); // shown 1000:4294967294
            guest.walk(0, 1, "f");
            assertEquals(Errno.EINVAL, errno(() -> guest.setattr(1, linuxChown(OVERFLOW, GUEST_USER))));
            assertEquals(Errno.EINVAL, errno(() -> guest.setattr(1, linuxChown(70000, OVERFLOW))));
            assertEquals(
                    Errno.EINVAL,
                    errno(() -> guest.setattr(1, new SetAttr(SetAttr.SETATTR_UID, 0, -1, -1, 0, 0, 0, 0, 0))));
            assertEquals(List.of(BASE + GUEST_USER, 0), owner(file), "unchanged");
            List<AuditEntry> setattrs = setattrs(gw);
            assertEquals(3, setattrs.size(), setattrs.toString());
            setattrs.forEach(r -> assertEquals(
                    List.of("vm.guest.share.data.ids.unmapped-id"), r.decision().ruleIds(), r.toString()));
        }
    }

    /**
     * {@code permissions: enforce}: the host decides as the guest user's host id. Guest root (host 100000) may not
     * chgrp host root's file (EPERM, as root of a user namespace may not), not EINVAL; the owner of a file whose host
     * group the map does not cover may chown it to itself.
     */
    @Test
    void underEnforceTheHostDecides() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "permissions: enforce", "data")) {
            Path hosts = hostFile(gw, "hosts", 0, 0);
            Path users = hostFile(gw, "users", BASE + GUEST_USER, 0);
            try (P9Client root = gw.attached("data", GUEST_ROOT)) {
                root.walk(0, 1, "hosts");
                assertEquals(Errno.EPERM, errno(() -> root.setattr(1, linuxChown(OVERFLOW, GUEST_USER))));
            }
            try (P9Client user = gw.attached("data", GUEST_USER)) {
                user.walk(0, 1, "users");
                user.setattr(1, linuxChown(GUEST_USER, OVERFLOW)); // chown 1000 users
            }
            assertEquals(List.of(0, 0), owner(hosts), "unchanged");
            assertEquals(List.of(BASE + GUEST_USER, 0), owner(users), "unchanged");
        }
    }

    /**
     * Where the map names no host owner a guest id of its own, without {@code ids} (every id the overflow id) or under
     * a {@code squash}, the Linux client's chgrp named the shown overflow id as the owner, which is allowed there: the
     * host user's file was given to the overflow id, or to the squash id, though the guest asked only for a group.
     */
    @Test
    void aChgrpWithoutAMapOrUnderASquashLeavesAHostUsersOwnerAlone() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            for (String ids : List.of("", "    ids: {uid: {squash: 3100}, gid: {squash: 3100}}\n")) {
                String policy = Files.readString(gw.policyFile)
                        .lines()
                        .filter(l -> !l.contains("ids:") && !l.contains("{ranges:") && !l.contains("squash"))
                        .reduce("", (a, b) -> a + b + "\n");
                Files.writeString(gw.policyFile, policy.replace("    shares:\n", ids + "    shares:\n"));
                assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, gw.holder.reload(), ids);
                String name = ids.isEmpty() ? "nomap" : "squashed";
                Path file = hostFile(gw, name, ALICE, ALICE);
                try (P9Client guest = gw.attached("data", GUEST_ROOT)) {
                    guest.walk(0, 1, name);
                    guest.setattr(1, linuxChown(OVERFLOW, GUEST_USER)); // chgrp 1000
                }
                int group = ids.isEmpty() ? OVERFLOW : 3100; // what guest group 1000 is on the host
                assertEquals(List.of(ALICE, group), owner(file), name + ": the owner left alone");
            }
        }
    }

    /**
     * An {@code overflow} the VM's own map maps ({@code policy check} warns, nothing refuses it): host root's file is
     * shown as guest 500, which is also what guest 500 (host 100500) is. busybox's chgrp names the shown 500 as the
     * owner, and its chown the shown group: host root's file was given to the VM's host user 100500 (group 100500).
     */
    @Test
    void anOverflowTheMapMapsIsLeftUnchangedWhereTheFileShowsIt() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Files.writeString(
                    gw.policyFile,
                    Files.readString(gw.policyFile).replace("count: 65536}]}", "count: 65536}], overflow: 500}"));
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, gw.holder.reload());
            Path grouped = hostFile(gw, "grouped", 0, 0);
            Path owned = hostFile(gw, "owned", 0, 0);
            Path users = hostFile(gw, "users", BASE + 500, BASE + 500); // shown 500:500 as well, but guest 500's
            try (P9Client guest = gw.attached("data", GUEST_ROOT)) {
                guest.walk(0, 1, "grouped");
                guest.setattr(1, linuxChown(500, GUEST_USER)); // chgrp 1000 grouped
                guest.walk(0, 2, "owned");
                guest.setattr(2, linuxChown(GUEST_USER, 500)); // chown 1000 owned
                guest.walk(0, 3, "users");
                guest.setattr(3, linuxChown(500, GUEST_USER)); // chgrp 1000 users
            }
            assertEquals(List.of(0, BASE + GUEST_USER), owner(grouped), "host root's owner left alone");
            assertEquals(List.of(BASE + GUEST_USER, 0), owner(owned), "host root's group left alone");
            assertEquals(List.of(BASE + 500, BASE + GUEST_USER), owner(users));
            List<AuditEntry> setattrs = setattrs(gw);
            assertEquals("valid=0x44 gid=1000", setattrs.get(0).request().detail());
            assertEquals("valid=0x42 uid=1000", setattrs.get(1).request().detail());
            assertEquals(
                    "valid=0x46 uid=500 gid=1000", setattrs.get(2).request().detail());
        }
    }

    /**
     * A Tsetattr whose only field names the shown owner changes nothing, and is still decided and recorded as the
     * Tsetattr of nothing it is ({@code valid=0x40}): allowed, Rsetattr; under a read-only subtree refused EROFS by
     * its rule, as a chgrp there is.
     */
    @Test
    void aTsetattrLeftWithNoFieldIsStillDecidedAndRecorded() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "read-only: [/ro]", "data");
                P9Client guest = gw.attached("data", GUEST_ROOT)) {
            Path file = hostFile(gw, "f", 0, 0);
            Files.createDirectories(gw.share("data").resolve("ro"));
            Path ro = Files.writeString(gw.share("data").resolve("ro/g"), "x");
            Files.setAttribute(ro, "unix:uid", 0);
            SetAttr shownOwner =
                    new SetAttr(SetAttr.SETATTR_UID | SetAttr.SETATTR_CTIME, 0, OVERFLOW, -1, 0, 0, 0, 0, 0);
            guest.walk(0, 1, "f");
            guest.setattr(1, shownOwner);
            guest.walk(0, 2, "ro", "g");
            assertEquals(Errno.EROFS, errno(() -> guest.setattr(2, shownOwner)));
            assertEquals(List.of(0, 0), owner(file));
            List<AuditEntry> setattrs = setattrs(gw);
            assertEquals(2, setattrs.size(), setattrs.toString());
            assertTrue(setattrs.get(0).decision().allowed(), setattrs.get(0).toString());
            assertEquals("valid=0x40", setattrs.get(0).request().detail());
            assertFalse(setattrs.get(1).decision().allowed(), setattrs.get(1).toString());
            assertEquals(
                    List.of("vm.guest.share.data.read-only[0]"),
                    setattrs.get(1).decision().ruleIds());
            assertEquals("valid=0x40", setattrs.get(1).request().detail());
        }
    }

    /**
     * A chown to ids the map maps asks nothing of the host but the chown (the stat that finds what the guest is shown
     * is asked only for an id an unmapped owner shows as): fewer system calls than the chgrp of host root's file,
     * which also stats it. Counted over many requests, never timed.
     */
    @Test
    void aChownToMappedIdsCostsNoStat() throws Throwable {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data");
                P9Client guest = gw.attached("data", GUEST_ROOT)) {
            hostFile(gw, "mapped", BASE + GUEST_USER, BASE + GUEST_USER);
            hostFile(gw, "hosts", 0, 0);
            guest.walk(0, 1, "mapped");
            guest.walk(0, 2, "hosts");
            long ordinary = callsPer100(() -> guest.setattr(1, linuxChown(GUEST_USER, GUEST_USER)));
            long shown = callsPer100(() -> guest.setattr(2, linuxChown(OVERFLOW, GUEST_USER)));
            assertTrue(
                    ordinary <= shown - 90,
                    "system calls x100: chown to mapped ids " + ordinary + ", chgrp naming the shown owner " + shown);
        }
    }

    private static long callsPer100(Executable request) throws Throwable {
        int runs = 200;
        long before = LinuxSyscalls.calls();
        for (int i = 0; i < runs; i++) {
            request.execute();
        }
        return (LinuxSyscalls.calls() - before) * 100 / runs;
    }

    /**
     * {@code --ownership xattr}: host root's file, no ids stored, shows as 4294967294:4294967294; the Linux client's
     * chgrp stores the group only, and the guest is shown the owner it was.
     */
    @Test
    void keptInXattrsTheChgrpStoresTheGroupOnly() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("xattr"));
        Path socket = tmp.resolve("vm.sock");
        Path policy = OwnershipRig.policy(tmp.resolve("policy.yaml"), OwnershipRig.vm("vm", socket, BASE, share));
        Path file = Files.writeString(share.resolve("f"), "x");
        try (OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.XATTR);
                P9Client guest = OwnershipRig.connect(socket)) {
            guest.attach(0, "root", "data", GUEST_ROOT);
            guest.walk(0, 1, "f");
            guest.setattr(1, linuxChown(OVERFLOW, GUEST_USER)); // chgrp 1000 f
            Attr shown = guest.getattr(1, Attr.GETATTR_BASIC);
            assertEquals(List.of(OVERFLOW, GUEST_USER), List.of(shown.uid(), shown.gid()));
        }
        assertEquals(List.of(0, 0), owner(file), "the inode keeps the gateway's ids");
        List<String> stored = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class)
                .list();
        assertTrue(stored.contains("p9gate.host-gid"), stored.toString());
        assertFalse(stored.contains("p9gate.host-uid"), "no owner stored: " + stored);
    }

    private static Path hostFile(HostShareGateway gw, String name, int uid, int gid) throws Exception {
        Path file = Files.writeString(gw.share("data").resolve(name), "x");
        Files.setAttribute(file, "unix:uid", uid);
        Files.setAttribute(file, "unix:gid", gid);
        return file;
    }

    private static SetAttr linuxChown(int uid, int gid) {
        return new SetAttr(LINUX_CHOWN, 0, uid, gid, 0, 0, 0, 0, 0);
    }

    private static List<AuditEntry> setattrs(HostShareGateway gw) {
        return gw.records.stream()
                .filter(r -> r.request().operation() == Operation.SETATTR)
                .toList();
    }

    private static List<Integer> owner(Path file) throws Exception {
        return List.of((Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS), (Integer)
                Files.getAttribute(file, "unix:gid", LinkOption.NOFOLLOW_LINKS));
    }

    private static Errno errno(Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }
}
