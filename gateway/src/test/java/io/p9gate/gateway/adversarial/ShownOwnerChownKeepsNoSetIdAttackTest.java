package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.testing.Root;
import io.p9gate.policy.ids.IdRange;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Red team (a set-uid bit kept where Linux would clear it): a Tsetattr owner (group) naming the overflow id a file of
 * an owner outside the VM's map is shown as is no change (936f946f), so where the whole chown names only shown ids
 * the host's chown(2), which clears set-uid even when it changes nothing, is never made. Alpha's root keeps a set-uid
 * program in a folder a VM without {@code ids} shares (there every id is allowed, so busybox's {@code chown
 * 4294967294 prog} used to give the file to the overflow id). The bit that stays is alpha's own, over alpha's own
 * bytes: the VM without a map is never shown it, may not set it, and anything it writes clears it for alpha. A raw
 * chgrp to the overflow gid on a file whose group alpha maps stays EINVAL. Pins it (no defect).
 */
class ShownOwnerChownKeepsNoSetIdAttackTest {
    private static final int O_RDWR = 2;
    private static final long GETATTR_BASIC = 0x7ffL;
    private static final int OVERFLOW = (int) IdRange.MAX_ID;
    private static final int BASE = HostShareGateway.HOST_ID_BASE;
    private static final int LINUX_CHOWN = SetAttr.SETATTR_UID | SetAttr.SETATTR_GID | SetAttr.SETATTR_CTIME;
    private static final byte[] PROGRAM = "#!/bin/sh\necho alpha\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TROJAN = "#!/bin/sh\nexec /bin/sh -p\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void aChownNamingOnlyShownIdsLeavesNoSetUidBitAnotherVmCanUse(OwnershipMode mode) throws Exception {
        Root.assumeRoot("host owners");
        Path share = Files.createDirectories(tmp.resolve("shared"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path alphaSocket = tmp.resolve("alpha.sock");
        Path nomapSocket = tmp.resolve("nomap.sock");
        String nomap = """
                  nomap:
                    listen: unix:%s
                    shares:
                      data: {path: %s, access: read-write}
                """.formatted(nomapSocket, share);
        Path policy = OwnershipRig.policy(
                tmp.resolve("policy.yaml"), OwnershipRig.vm("alpha", alphaSocket, BASE, share), nomap);
        try (OwnershipRig _ = new OwnershipRig(policy, mode);
                P9Client alpha = OwnershipRig.connect(alphaSocket);
                P9Client other = OwnershipRig.connect(nomapSocket)) {
            alpha.attach(0, "root", "data", 0);
            alpha.walk(0, 1);
            alpha.lcreate(1, "prog", O_RDWR, 0755, 0);
            assertEquals(PROGRAM.length, alpha.write(1, 0, PROGRAM));
            alpha.setattr(1, mode(04755));
            assertEquals(04755, modeSeen(alpha, "prog"), "alpha keeps its set-uid program");

            other.attach(0, "root", "data", 0);
            other.walk(0, 1, "prog");
            Attr shown = other.getattr(1, GETATTR_BASIC);
            assertEquals(OVERFLOW, shown.uid(), "alpha's root as the VM without a map sees it");
            assertEquals(0755, shown.mode() & 07777, "no set-uid of an owner outside its map");
            other.setattr(1, new SetAttr(LINUX_CHOWN, 0, OVERFLOW, OVERFLOW, 0, 0, 0, 0, 0)); // chown 4294967294 prog
            other.setattr(1, new SetAttr(SetAttr.SETATTR_UID, 0, OVERFLOW, -1, 0, 0, 0, 0, 0));
            assertEquals(04755, modeSeen(alpha, "prog"), "nothing changed: alpha's own bit over alpha's own bytes");
            assertEquals(BASE, hostOwner(share.resolve("prog"), mode), "alpha's root still owns it");
            assertEquals(Errno.EPERM, errno(() -> other.setattr(1, mode(04755))), "no set-uid for another's owner");

            other.lopen(1, O_RDWR);
            assertEquals(TROJAN.length, other.write(1, 0, TROJAN));
            assertEquals(0755, modeSeen(alpha, "prog"), "its write clears the bit for alpha");
            assertEquals(0755, modeSeen(other, "prog"));
        }
    }

    /** A raw chgrp to the overflow gid (or any unmapped one) of a file whose group the map names is still EINVAL. */
    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void aChgrpToTheOverflowGidOfAMappedGroupIsRefused(OwnershipMode mode) throws Exception {
        Root.assumeRoot("host owners");
        Path share = Files.createDirectories(tmp.resolve("shared"));
        Path socket = tmp.resolve("alpha.sock");
        Path policy = OwnershipRig.policy(tmp.resolve("policy.yaml"), OwnershipRig.vm("alpha", socket, BASE, share));
        try (OwnershipRig _ = new OwnershipRig(policy, mode);
                P9Client alpha = OwnershipRig.connect(socket)) {
            alpha.attach(0, "root", "data", 0);
            alpha.walk(0, 1);
            alpha.lcreate(1, "f", O_RDWR, 02775, 1000);
            for (int gid : new int[] {OVERFLOW, 70000}) {
                assertEquals(
                        Errno.EINVAL,
                        errno(() -> alpha.setattr(1, new SetAttr(SetAttr.SETATTR_GID, 0, -1, gid, 0, 0, 0, 0, 0))),
                        "gid " + Integer.toUnsignedString(gid));
                assertEquals(
                        Errno.EINVAL,
                        errno(() -> alpha.setattr(1, new SetAttr(LINUX_CHOWN, 0, 0, gid, 0, 0, 0, 0, 0))),
                        "chown 0:" + Integer.toUnsignedString(gid));
            }
            Attr after = alpha.getattr(1, GETATTR_BASIC);
            assertEquals(1000, after.gid(), "the group stays");
            assertEquals(02775, after.mode() & 07777, "and the set-gid bit with it");
        }
    }

    private static SetAttr mode(int mode) {
        return new SetAttr(SetAttr.SETATTR_MODE, mode, 0, 0, 0, 0, 0, 0, 0);
    }

    private static int hostOwner(Path file, OwnershipMode mode) throws Exception {
        if (mode == OwnershipMode.CHOWN) {
            return (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        }
        var view = Files.getFileAttributeView(file, java.nio.file.attribute.UserDefinedFileAttributeView.class);
        java.nio.ByteBuffer value = java.nio.ByteBuffer.allocate(view.size("p9gate.host-uid"));
        view.read("p9gate.host-uid", value);
        return Integer.parseInt(new String(value.array(), 0, value.position(), StandardCharsets.US_ASCII));
    }

    private static int modeSeen(P9Client guest, String path) throws Exception {
        guest.walk(0, 9, path.split("/"));
        Attr seen = guest.getattr(9, GETATTR_BASIC);
        guest.clunk(9);
        return seen.mode() & 07777;
    }

    private static Errno errno(org.junit.jupiter.api.function.Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }
}
