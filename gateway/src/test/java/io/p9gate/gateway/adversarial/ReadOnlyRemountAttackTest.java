package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.audit.testing.ScratchMount;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.RecordPhase;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.testing.LoggedLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-3, the host under the gateway: the share's file system is remounted read-only while a VM is attached (an
 * administrator's {@code mount -o remount,ro}, or the kernel's after an I/O error). Every change the VM then asks is
 * answered EROFS, the errno the host gave, and recorded so (its outcome record); reads go on; nothing is logged (no
 * fault, no stack trace); once the host remounts it read-write, the same session changes the share again.
 */
class ReadOnlyRemountAttackTest {
    private static final int O_RDWR = 2;
    private static final int O_TRUNC = 01000;

    @TempDir
    Path tmp;

    @Test
    void aShareRemountedReadOnlyAnswersEveryChangeErofsRecordedAndUnlogged() throws Exception {
        Path socket = tmp.resolve("alpha.sock");
        try (ScratchMount fs = ScratchMount.tmpfs(tmp.resolve("fs"), "size=8m");
                LoggedLines log = new LoggedLines("io.p9gate")) {
            Path share = Files.createDirectory(fs.dir.resolve("share"));
            Files.createDirectory(share.resolve("d"));
            Files.writeString(share.resolve("f"), "data");
            Path policy =
                    OwnershipRig.policy(tmp.resolve("policy.yaml"), OwnershipRig.vm("alpha", socket, 100000, share));
            try (OwnershipRig rig = new OwnershipRig(policy, OwnershipMode.CHOWN);
                    P9Client alpha = OwnershipRig.connect(socket)) {
                alpha.attach(0, "root", "data", 0);
                for (int fid = 1; fid <= 4; fid++) {
                    alpha.walk(0, fid, "f");
                }
                remount(fs, "ro");
                int recordsBefore = rig.trail.decisions.size();
                Map<String, Executable> changes = Map.ofEntries(
                        Map.entry("lcreate", () -> alpha.lcreate(0, "new", O_RDWR, 0644, 0)),
                        Map.entry("mkdir", () -> alpha.mkdir(0, "nd", 0755, 0)),
                        Map.entry("symlink", () -> alpha.symlink(0, "sl", "f", 0)),
                        Map.entry("mknod", () -> alpha.rpc(new TMessage.Tmknod(0, "fifo", 0010644, 0, 0, 0))),
                        Map.entry("link", () -> alpha.link(0, 1, "f2")),
                        Map.entry("renameat", () -> alpha.renameat(0, "f", 0, "g")),
                        Map.entry("unlinkat", () -> alpha.unlinkat(0, "f", 0)),
                        Map.entry("rmdir", () -> alpha.unlinkat(0, "d", 0x200)),
                        Map.entry("chmod", () -> alpha.setattr(1, attr(SetAttr.SETATTR_MODE, 0600, 0))),
                        Map.entry("truncate", () -> alpha.setattr(1, attr(SetAttr.SETATTR_SIZE, 0, 1))),
                        Map.entry("open-rw", () -> alpha.lopen(2, O_RDWR)),
                        Map.entry("open-trunc", () -> alpha.lopen(3, O_TRUNC)),
                        Map.entry("xattr", () -> {
                            alpha.rpc(new TMessage.Txattrcreate(4, "user.x", 1, 0));
                            alpha.write(4, 0, new byte[] {1});
                            alpha.clunk(4);
                        }));
                for (Map.Entry<String, Executable> change : changes.entrySet()) {
                    P9Exception e = assertThrows(P9Exception.class, change.getValue(), change.getKey());
                    assertEquals(Errno.EROFS, e.errno(), change.getKey() + ": " + e);
                }
                List<AuditEntry> failed = rig.trail.decisions.stream()
                        .skip(recordsBefore)
                        .filter(r -> r.phase() != RecordPhase.INTENT)
                        .filter(r -> r.outcome().errno() != null)
                        .toList();
                assertEquals(changes.size(), failed.size(), "one failed outcome a change: " + failed);
                failed.forEach(r -> assertEquals(Errno.EROFS, r.outcome().errno(), r.toString()));
                alpha.walk(0, 5, "f");
                alpha.lopen(5, 0);
                assertEquals("data", new String(alpha.read(5, 0, 100)), "reads go on");
                assertEquals(List.of(), log.startingWith(""), "nothing logged");

                remount(fs, "rw");
                alpha.lcreate(0, "new", O_RDWR, 0644, 0);
                assertEquals(List.of("d", "f", "new"), names(share), "the share after the remount");
            }
        }
    }

    private static SetAttr attr(int valid, int mode, long size) {
        return new SetAttr(valid, mode, 0, 0, size, 0, 0, 0, 0);
    }

    private static void remount(ScratchMount fs, String mode) throws Exception {
        Process p = new ProcessBuilder("mount", "-o", "remount," + mode, fs.dir.toString())
                .inheritIO()
                .start();
        assumeTrue(p.waitFor() == 0, "remounting " + mode);
    }

    private static List<String> names(Path dir) throws Exception {
        try (var list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
