package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.audit.testing.ScratchMount;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --ownership xattr} keeps a file's owner and group in two xattrs. A Tsetattr of both on a full share (a tmpfs
 * whose inode space a VM or the host filled, room left for one such xattr) stored the owner, was refused the group,
 * and answered ENOSPC: the guest was told nothing changed, yet the file now showed the new owner with its old group.
 * A chown of both is all or nothing.
 */
class FullShareChownAttackTest {
    private static final long GETATTR_BASIC = 0x7ffL;
    private static final int HOST_BASE = 100000;
    private static final int NEW_ID = 5;

    @TempDir
    Path tmp;

    /** Before: ENOSPC answered, and the file shown with uid 5 and its old gid. */
    @Test
    void aChownWhoseGroupCannotBeStoredChangesNothing() throws Exception {
        Path alphaSocket = tmp.resolve("alpha.sock");
        try (ScratchMount fs = ScratchMount.tmpfs(tmp.resolve("fs"), "size=8m,nr_inodes=64")) {
            Path share = Files.createDirectory(fs.dir.resolve("share"));
            Files.createFile(share.resolve("hostmade")); // no owner xattrs yet
            Path policy = OwnershipRig.policy(
                    tmp.resolve("policy.yaml"), OwnershipRig.vm("alpha", alphaSocket, HOST_BASE, share));
            try (OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.XATTR);
                    P9Client alpha = OwnershipRig.connect(alphaSocket)) {
                alpha.attach(0, "root", "data", 0);
                alpha.walk(0, 1, "hostmade");
                Attr before = alpha.getattr(1, GETATTR_BASIC);

                // Room for one owner xattr, not two: "user.p9gate.host-uid" and the new id, set aside on another file.
                List<Path> made = FullInodeSpace.fill(
                        Files.createDirectory(fs.dir.resolve("filler")),
                        Map.of(
                                "p9gate.host-uid",
                                Integer.toString(HOST_BASE + NEW_ID).getBytes(StandardCharsets.US_ASCII)));
                P9Exception refused = assertThrows(
                        P9Exception.class,
                        () -> alpha.setattr(
                                1,
                                new SetAttr(
                                        SetAttr.SETATTR_UID | SetAttr.SETATTR_GID, 0, NEW_ID, NEW_ID, 0, 0, 0, 0, 0)));
                assertEquals(Errno.ENOSPC, refused.errno());
                Attr after = alpha.getattr(1, GETATTR_BASIC);
                assertEquals(before.uid(), after.uid(), "the refused chown changed the owner");
                assertEquals(before.gid(), after.gid(), "the refused chown changed the group");

                for (Path p : made) {
                    Files.delete(p);
                }
                alpha.setattr(
                        1, new SetAttr(SetAttr.SETATTR_UID | SetAttr.SETATTR_GID, 0, NEW_ID, NEW_ID, 0, 0, 0, 0, 0));
                Attr changed = alpha.getattr(1, GETATTR_BASIC);
                assertEquals(List.of(NEW_ID, NEW_ID), List.of(changed.uid(), changed.gid()));
            }
        }
    }
}
