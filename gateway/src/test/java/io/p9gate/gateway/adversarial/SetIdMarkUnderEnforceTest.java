package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In a share with {@code permissions: enforce} whose directory the host's administrator owns (mode 0755, the VM's
 * users own what lies inside), a guest user keeps set-uid on its own program; the mark that tells the next start to
 * read kept bits is the share root's, which the guest's host user may not write. Written as that user it failed
 * unseen, and after a restart the guest's program was no longer set-uid, nor did any write clear its bits.
 */
class SetIdMarkUnderEnforceTest {
    private static final int GUEST_USER = 1000;
    private static final int HOST_USER = HostShareGateway.HOST_ID_BASE + GUEST_USER;
    private static final int O_WRONLY = 1;
    private static final int O_RDWR = 2;
    private static final long GETATTR_BASIC = 0x7ffL;

    @TempDir
    Path tmp;

    @Test
    void aKeptSetUidBitUnderAnAdministratorsShareRootOutlivesARestart() throws Exception {
        assumeTrue(LinuxSyscalls.geteuid() == 0, "acting as a guest's host user needs a root test run");
        Path data = Files.createDirectory(tmp.resolve("data"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path own = Files.createDirectory(data.resolve("own"));
        Files.setAttribute(own, "unix:uid", HOST_USER, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(own, "unix:gid", HOST_USER, LinkOption.NOFOLLOW_LINKS);
        List<HostShareGateway.Share> shares = List.of(new HostShareGateway.Share("data", data, "permissions: enforce"));
        try (HostShareGateway gw = HostShareGateway.serving(tmp, shares);
                P9Client guest = gw.attached("data", GUEST_USER)) {
            guest.walk(0, 1, "own");
            guest.lcreate(1, "prog", O_RDWR, 0755, GUEST_USER);
            guest.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 04755, 0, 0, 0, 0, 0, 0, 0));
            assertEquals(04755, guest.getattr(1, GETATTR_BASIC).mode() & 07777, "the guest keeps its set-uid bit");
        }
        try (HostShareGateway gw = HostShareGateway.serving(tmp, shares); // the gateway restarted
                P9Client guest = gw.attached("data", GUEST_USER)) {
            guest.walk(0, 1, "own", "prog");
            assertEquals(04755, guest.getattr(1, GETATTR_BASIC).mode() & 07777, "the kept bit is still shown");
        }
    }

    /**
     * User 2000 may write user 1000's set-uid program but not read it (04722: the kept bit, host mode 0722). Its
     * write must clear the bit as Linux clears it at any write without CAP_FSETID, but the kept bits were read as
     * user 2000's host user, whom a user xattr's read needs read access of: EACCES read as no bits, and the program
     * stayed set-uid, running user 2000's code as user 1000.
     */
    @Test
    void aWriteByAUserWhoMayNotReadTheProgramClearsItsKeptBit() throws Exception {
        List<HostShareGateway.Share> shares = enforcedShareAnyoneMayWriteIn();
        try (HostShareGateway gw = HostShareGateway.serving(tmp, shares);
                P9Client owner = gw.attached("data", GUEST_USER);
                P9Client other = gw.attached("data", 2000)) {
            owner.walk(0, 1);
            owner.lcreate(1, "prog", O_RDWR, 0755, GUEST_USER);
            owner.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 04722, 0, 0, 0, 0, 0, 0, 0));
            assertEquals(04722, owner.getattr(1, GETATTR_BASIC).mode() & 07777, "the owner keeps its set-uid bit");
            owner.clunk(1);
            other.walk(0, 1, "prog");
            other.lopen(1, O_WRONLY);
            assertEquals(2, other.write(1, 0, "x\n".getBytes(StandardCharsets.US_ASCII)));
            owner.walk(0, 2, "prog");
            assertEquals(0722, owner.getattr(2, GETATTR_BASIC).mode() & 07777, "the other user's write cleared it");
        }
    }

    /**
     * User 2000 opened user 1000's program for writing while anyone could write it (0722); the owner then made it
     * set-uid and no longer writable by others (04755: the kept bit, host 0755). Linux clears set-uid at the next
     * write through that descriptor whatever the mode says now, but the kept bit was removed as user 2000's host
     * user, whom a user xattr's change needs write access of: EACCES was swallowed and the program stayed set-uid
     * with user 2000's code in it.
     */
    @Test
    void aWriteThroughADescriptorOpenedBeforeTheProgramBecameSetUidClearsItsKeptBit() throws Exception {
        List<HostShareGateway.Share> shares = enforcedShareAnyoneMayWriteIn();
        try (HostShareGateway gw = HostShareGateway.serving(tmp, shares);
                P9Client owner = gw.attached("data", GUEST_USER);
                P9Client other = gw.attached("data", 2000)) {
            owner.walk(0, 1);
            owner.lcreate(1, "prog", O_RDWR, 0722, GUEST_USER);
            owner.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 0722, 0, 0, 0, 0, 0, 0, 0));
            other.walk(0, 1, "prog");
            other.lopen(1, O_WRONLY);
            owner.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 04755, 0, 0, 0, 0, 0, 0, 0));
            assertEquals(04755, owner.getattr(1, GETATTR_BASIC).mode() & 07777, "the owner keeps its set-uid bit");
            assertEquals(2, other.write(1, 0, "x\n".getBytes(StandardCharsets.US_ASCII)));
            assertEquals(0755, owner.getattr(1, GETATTR_BASIC).mode() & 07777, "the other user's write cleared it");
        }
    }

    /**
     * The owner makes its set-uid program read-only and no longer set-uid ({@code chmod 0555}): the host mode changed
     * first, then the kept bit was removed as the owner's host user, whom a user xattr's change needs write access of,
     * which 0555 no longer grants: EACCES, and the program stayed set-uid (04555). Linux lets an owner chmod its file
     * whatever its mode.
     */
    @Test
    void anOwnerMakingItsSetUidProgramReadOnlyDropsTheBit() throws Exception {
        List<HostShareGateway.Share> shares = enforcedShareAnyoneMayWriteIn();
        try (HostShareGateway gw = HostShareGateway.serving(tmp, shares);
                P9Client owner = gw.attached("data", GUEST_USER)) {
            owner.walk(0, 1);
            owner.lcreate(1, "prog", O_RDWR, 0755, GUEST_USER);
            owner.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 04755, 0, 0, 0, 0, 0, 0, 0));
            owner.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 0555, 0, 0, 0, 0, 0, 0, 0));
            assertEquals(0555, owner.getattr(1, GETATTR_BASIC).mode() & 07777, "the owner dropped set-uid");
            owner.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 04555, 0, 0, 0, 0, 0, 0, 0));
            assertEquals(04555, owner.getattr(1, GETATTR_BASIC).mode() & 07777, "and may make it set-uid again");
        }
    }

    /**
     * A Tsetattr of a mode by a user who does not own the file: the kernel, asked as that user's host id, refuses it
     * (EPERM, chmod(2) of a non-owner without CAP_FOWNER) before any kept bit is stored or removed, whether the mode
     * adds set-id bits to the owner's plain program, asks its own group's set-gid, or drops the owner's kept set-uid.
     * The bits are kept in a user xattr written as the gateway, so a chmod applied in the wrong order would let any
     * user of the share make another's program set-uid.
     */
    @Test
    void aNonOwnersChmodOfSetIdBitsIsRefusedAndKeepsNothing() throws Exception {
        List<HostShareGateway.Share> shares = enforcedShareAnyoneMayWriteIn();
        Path data = shares.getFirst().dir();
        try (HostShareGateway gw = HostShareGateway.serving(tmp, shares);
                P9Client owner = gw.attached("data", GUEST_USER);
                P9Client other = gw.attached("data", 2000)) {
            owner.walk(0, 1);
            owner.lcreate(1, "plain", O_RDWR, 0777, GUEST_USER);
            owner.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 0777, 0, 0, 0, 0, 0, 0, 0)); // whatever the umask
            owner.walk(0, 2);
            owner.lcreate(2, "prog", O_RDWR, 0755, GUEST_USER);
            owner.setattr(2, new SetAttr(SetAttr.SETATTR_MODE, 04755, 0, 0, 0, 0, 0, 0, 0));
            other.walk(0, 1, "plain");
            other.walk(0, 2, "prog");
            for (int asked : new int[] {04777, 02777, 06777}) {
                P9Exception refused = assertThrows(
                        P9Exception.class,
                        () -> other.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, asked, 0, 0, 0, 0, 0, 0, 0)));
                assertEquals(Errno.EPERM, refused.errno(), Integer.toOctalString(asked) + ": " + refused);
            }
            P9Exception dropped = assertThrows(
                    P9Exception.class,
                    () -> other.setattr(2, new SetAttr(SetAttr.SETATTR_MODE, 0755, 0, 0, 0, 0, 0, 0, 0)));
            assertEquals(Errno.EPERM, dropped.errno(), dropped.toString());
            assertEquals(0777, other.getattr(1, GETATTR_BASIC).mode() & 07777, "the plain file, shown to the other");
            assertEquals(0777, owner.getattr(1, GETATTR_BASIC).mode() & 07777, "the plain file, shown to its owner");
            assertEquals(04755, owner.getattr(2, GETATTR_BASIC).mode() & 07777, "the owner's program keeps set-uid");
            assertEquals(0777, (int) Files.getAttribute(data.resolve("plain"), "unix:mode") & 07777, "host mode");
            assertTrue(
                    Files.getFileAttributeView(data.resolve("plain"), UserDefinedFileAttributeView.class)
                            .list()
                            .isEmpty(),
                    "no kept value beside the plain file");
        }
    }

    /** A share "data" under {@code permissions: enforce}, a directory of mode 0777. */
    private List<HostShareGateway.Share> enforcedShareAnyoneMayWriteIn() throws Exception {
        assumeTrue(LinuxSyscalls.geteuid() == 0, "acting as a guest's host user needs a root test run");
        Path data = Files.createDirectory(tmp.resolve("data"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxrwx"));
        return List.of(new HostShareGateway.Share("data", data, "permissions: enforce"));
    }
}
