package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.testing.LoggedLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-3, the host under the gateway: a provisioning script resets a VM's share while the gateway serves it
 * ({@code rm -rf /srv/vm/data; mkdir /srv/vm/data}). Share directories are opened once, at start, so the gateway
 * holds the removed directory, where the kernel lets nothing be made. Before, a new mount of the VM attached it all
 * the same: an empty share, every create ENOENT, and nothing in the gateway's log said why, until a restart. A
 * Tattach of a removed share directory is now ESTALE, recorded, with one WARNING per share telling the operator to
 * restart; nothing is made in the directory now at the path, and a session attached before keeps the kernel's
 * answers (ENOENT in the removed directory; through a fid beneath it, ENOENT, or EACCES where the share watches host moves).
 */
class RemovedShareDirectoryAttackTest {
    private static final int O_RDWR = 2;

    @TempDir
    Path tmp;

    @Test
    void aShareDirectoryTheHostRemovedIsStaleToANewAttachAndTheOperatorIsTold() throws Exception {
        Path socket = tmp.resolve("alpha.sock");
        Path share = Files.createDirectories(tmp.resolve("srv/data"));
        Files.createDirectory(share.resolve("sub"));
        Path policy = OwnershipRig.policy(tmp.resolve("policy.yaml"), OwnershipRig.vm("alpha", socket, 100000, share));
        try (LoggedLines log = new LoggedLines("io.p9gate");
                OwnershipRig rig = new OwnershipRig(policy, OwnershipMode.CHOWN);
                P9Client before = OwnershipRig.connect(socket)) {
            before.attach(0, "root", "data", 0);
            before.walk(0, 1, "sub");

            removeTree(share);
            Files.createDirectories(share.resolve("sub"));
            Files.writeString(share.resolve("sub/host-file"), "the host's");

            for (int i = 0; i < 2; i++) {
                try (P9Client after = OwnershipRig.connect(socket)) {
                    P9Exception stale =
                            assertThrows(P9Exception.class, () -> after.attach(0, "root", "data", 0), "attach " + i);
                    assertEquals(Errno.ESTALE, stale.errno(), stale.toString());
                }
            }
            List<AuditEntry> attaches = rig.trail.decisions.stream()
                    .filter(e -> e.request().operation() == Operation.ATTACH)
                    .toList();
            assertEquals(3, attaches.size(), "attach records");
            assertEquals(
                    Errno.ESTALE,
                    attaches.getLast().outcome().errno(),
                    attaches.getLast().toString());
            List<String> told = log.startingWith("share 'data' (" + share + ")");
            assertEquals(1, told.size(), "one WARNING for the share: " + told);

            P9Exception created = assertThrows(
                    P9Exception.class, () -> before.lcreate(0, "new", O_RDWR, 0644, 0), "create in the removed root");
            assertEquals(Errno.ENOENT, created.errno(), created.toString());
            P9Exception beneath = assertThrows(
                    P9Exception.class, () -> before.walk(1, 2, "host-file"), "walk through a fid beneath it");
            assertTrue(Set.of(Errno.ENOENT, Errno.EACCES).contains(beneath.errno()), beneath.toString());
            try (Stream<Path> now = Files.walk(share)) {
                assertEquals(
                        List.of(share, share.resolve("sub"), share.resolve("sub/host-file")),
                        now.sorted().toList(),
                        "the directory now at the path is the host's alone");
            }
        }
    }

    private static void removeTree(Path dir) throws Exception {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
