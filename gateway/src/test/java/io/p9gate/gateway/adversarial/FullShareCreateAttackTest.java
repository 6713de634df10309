package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.audit.testing.ScratchMount;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.fs.RecordPhase;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-3 on a full share, {@code --ownership xattr}: a Tlcreate makes its file by its name (O_CREAT|O_EXCL) and
 * then stores the owner in {@code user.p9gate.*} xattrs. On a tmpfs whose inode space is spent (a hostile VM or
 * the host filled it), the file itself still fits but its xattrs do not: the guest was told ENOSPC and the audit
 * record said the create failed, yet the file stayed on the host under the guest's name, without its owner
 * (shown as the gateway's host user mapped, here the overflow id), and counted by no request. A failed create
 * must leave nothing; once room is made, the same create works.
 */
class FullShareCreateAttackTest {
    private static final int O_RDWR = 2;
    private static final long GETATTR_BASIC = 0x7ffL;

    @TempDir
    Path tmp;

    /** Before: ENOSPC answered, and "victim" left on the host, owned by no guest user. */
    @Test
    void aCreateWhoseOwnerCannotBeStoredLeavesNothing() throws Exception {
        Path alphaSocket = tmp.resolve("alpha.sock");
        try (ScratchMount fs = ScratchMount.tmpfs(tmp.resolve("fs"), "size=8m,nr_inodes=64")) {
            Path share = Files.createDirectory(fs.dir.resolve("share"));
            Path policy = OwnershipRig.policy(
                    tmp.resolve("policy.yaml"), OwnershipRig.vm("alpha", alphaSocket, 100000, share));
            try (OwnershipRig rig = new OwnershipRig(policy, OwnershipMode.XATTR);
                    P9Client alpha = OwnershipRig.connect(alphaSocket)) {
                createOnAFullShare(fs.dir, share, rig, alpha);
            }
        }
    }

    private static void createOnAFullShare(Path fs, Path share, OwnershipRig rig, P9Client alpha) throws Exception {
        alpha.attach(0, "root", "data", 0);
        List<Path> made = FullInodeSpace.fill(Files.createDirectory(fs.resolve("filler")), Map.of());
        Files.delete(made.getLast()); // room for one more inode, none for its xattrs

        alpha.walk(0, 1);
        P9Exception refused = assertThrows(P9Exception.class, () -> alpha.lcreate(1, "victim", O_RDWR, 0644, 0));
        assertEquals(Errno.ENOSPC, refused.errno());
        assertFalse(Files.exists(share.resolve("victim")), "the failed create left its file on the host");
        List<AuditEntry> creates = rig.trail.decisions.stream()
                .filter(e -> e.request().operation() == Operation.CREATE)
                .toList();
        assertEquals(RecordPhase.OUTCOME, creates.getLast().phase());
        assertEquals(Errno.ENOSPC, creates.getLast().outcome().errno());

        // Its inode is free again: no descriptor of it was kept (an unlinked file held open keeps its space).
        Files.delete(Files.createFile(made.getFirst().resolveSibling("inode-back")));

        for (Path p : made.subList(0, made.size() - 1)) {
            Files.delete(p);
        }
        alpha.lcreate(1, "victim", O_RDWR, 0644, 0);
        assertEquals(0, alpha.getattr(1, GETATTR_BASIC).uid(), "the guest's root owns what it made");
    }
}
