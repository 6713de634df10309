package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A Tsetattr that gives a file a new owner (group) and a set-uid (set-gid) mode in one request is applied chown
 * first, then chmod (fs.AttrChanges), and Linux (setattr_prepare) judges set-gid by the group asked, not the one the
 * file has: the bits were checked against the file's current owner, so alpha's root could {@code chown} a host file
 * of beta's to itself and then make it set-uid, but not both in one request (EPERM). The new owner must still be
 * one the VM's map names: an unmapped one is refused, and makes nothing set-id.
 */
class SetIdWithNewOwnerTest {
    private static final long GETATTR_BASIC = 0x7ffL;
    private static final int OWNER = SetAttr.SETATTR_MODE | SetAttr.SETATTR_UID | SetAttr.SETATTR_GID;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void chownAndSetIdInOneRequestIsJudgedByTheNewOwner(OwnershipMode mode) throws Exception {
        Path share = betasFileIn("tool");
        try (OwnershipRig rig = new OwnershipRig(policy(share), mode);
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"))) {
            alpha.attach(0, "root", "data", 0);
            alpha.walk(0, 1, "tool");
            alpha.setattr(1, new SetAttr(OWNER, 06755, 0, 0, 0, 0, 0, 0, 0));
            AuditEntry last = rig.trail.decisions.getLast();
            assertTrue(last.decision().allowed(), "an allow record: " + last);
            assertNull(last.outcome().errno(), "an allow record: " + last);
            assertEquals(06755, alpha.getattr(1, GETATTR_BASIC).mode() & 07777, "alpha's root owns it now");
        }
    }

    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void chgrpAndSetGidInOneRequestIsJudgedByTheNewGroup(OwnershipMode mode) throws Exception {
        Path share = betasFileIn("tool");
        try (OwnershipRig _ = new OwnershipRig(policy(share), mode);
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"))) {
            alpha.attach(0, "root", "data", 0);
            alpha.walk(0, 1, "tool");
            alpha.setattr(1, new SetAttr(SetAttr.SETATTR_MODE | SetAttr.SETATTR_GID, 02755, 0, 0, 0, 0, 0, 0, 0));
            assertEquals(02755, alpha.getattr(1, GETATTR_BASIC).mode() & 07777, "alpha's root group has it now");
        }
    }

    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void anUnmappedNewOwnerMakesNothingSetId(OwnershipMode mode) throws Exception {
        Path share = betasFileIn("tool");
        try (OwnershipRig rig = new OwnershipRig(policy(share), mode);
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"))) {
            alpha.attach(0, "root", "data", 0);
            alpha.walk(0, 1, "tool");
            int unmapped = 70000; // alpha maps guest 0..65535
            P9Exception refused = assertThrows(
                    P9Exception.class,
                    () -> alpha.setattr(1, new SetAttr(OWNER, 06755, unmapped, unmapped, 0, 0, 0, 0, 0)));
            assertEquals(Errno.EINVAL, refused.errno());
            AuditEntry last = rig.trail.decisions.getLast();
            assertEquals(Errno.EINVAL, last.outcome().errno(), "the record's errno is the guest's: " + last);
            assertEquals(0755, alpha.getattr(1, GETATTR_BASIC).mode() & 07777, "nothing set-id");
        }
    }

    /** A share holding a host file of beta's root (host 200000), which alpha (guest ids at 100000) may write. */
    private Path betasFileIn(String name) throws Exception {
        Path share = Files.createDirectories(tmp.resolve("shared"));
        Path file = share.resolve(name);
        Files.writeString(file, "#!/bin/sh\n");
        Files.setAttribute(file, "unix:uid", 200000, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(file, "unix:gid", 200000, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(file, "unix:mode", 0755, LinkOption.NOFOLLOW_LINKS);
        return share;
    }

    private Path policy(Path share) throws Exception {
        return OwnershipRig.policy(
                tmp.resolve("policy.yaml"), OwnershipRig.vm("alpha", tmp.resolve("alpha.sock"), 100000, share));
    }
}
