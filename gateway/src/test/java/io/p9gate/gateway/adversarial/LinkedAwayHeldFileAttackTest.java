package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Beta holds a fid on {@code pub/f}; alpha, whose share is the same host directory under no protection, links the
 * file into beta's hidden {@code /vault} (or read-only {@code /ro}) and unlinks {@code pub/f}: a rename in two
 * requests. A rename makes beta's next request be decided where the file is now (RenamedFidPathTest); this move did
 * not, and the kernel itself still names beta's handle by the removed {@code pub/f}. Before: beta read what was then
 * written into {@code vault/f} and wrote into it and into {@code ro/h} through its fids, and opened a fid it had only
 * walked. Now such a handle cannot be placed, and a VM whose policy decides by path is refused (ESTALE).
 */
class LinkedAwayHeldFileAttackTest {
    private static final int RDWR = 2;
    private static final String BETA = """
            hidden: [/vault]
            read-only: [/ro]
            """;

    @TempDir
    Path tmp;

    @Test
    void aFileLinkedIntoAnotherVmsProtectedSubtreeAndUnlinkedIsNotReachedThroughItsOldName() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("srv/data"));
        for (String d : List.of("pub", "vault", "ro")) {
            Files.createDirectories(data.resolve(d));
        }
        for (String f : List.of("f", "h", "k")) {
            Files.writeString(data.resolve("pub/" + f), "file " + f);
        }
        try (OverlappingSharesRig rig = new OverlappingSharesRig(tmp, data, data, BETA)) {
            P9Client beta = rig.beta;
            beta.walk(0, 1, "pub", "f");
            beta.lopen(1, RDWR);
            beta.walk(0, 2, "pub", "h");
            beta.lopen(2, RDWR);
            beta.walk(0, 3, "pub", "k");
            beta.read(1, 0, 16);

            P9Client alpha = rig.alpha;
            alpha.walk(0, 10, "pub");
            alpha.walk(0, 11, "vault");
            alpha.walk(0, 12, "ro");
            moveByLink(alpha, "f", 11);
            moveByLink(alpha, "h", 12);
            moveByLink(alpha, "k", 11);
            Files.writeString(data.resolve("vault/f"), "written in the vault");

            assertEquals(Errno.ESTALE, refused(() -> beta.read(1, 0, 64)), "read of a hidden file");
            assertEquals(Errno.ESTALE, refused(() -> beta.write(1, 0, new byte[] {'X'})), "write of a hidden file");
            assertEquals(Errno.ESTALE, refused(() -> beta.getattr(1, 0x7ff)), "getattr of a hidden file");
            assertEquals(Errno.ESTALE, refused(() -> beta.write(2, 0, new byte[] {'X'})), "write of a read-only file");
            assertEquals(Errno.ESTALE, refused(() -> beta.lopen(3, 0)), "open of a hidden file");
            assertEquals("written in the vault", Files.readString(data.resolve("vault/f")));
            assertEquals("file h", Files.readString(data.resolve("ro/h")));
            assertEquals(
                    List.of("pub/h"),
                    lastPaths(rig, Operation.WRITE),
                    "the refusal names the removed name it was asked through, not the share's root");
        }
    }

    /**
     * A request refused before any policy is asked (a Tlopen of a fid already opened) through a handle known by a
     * removed name is recorded on that name too, as the refusals the policy is asked for are. Before: on no path,
     * which {@code p9gate audit show} prints as the share's root.
     */
    @Test
    void aRefusalBeforeAnyDecisionThroughAHandleKnownByARemovedNameNamesThatName() throws Exception {
        try (OverlappingSharesRig rig = openedThenMovedByLink(true, "vault")) {
            P9Client beta = rig.beta;
            assertEquals(Errno.EINVAL, refused(() -> beta.lopen(1, 0)), "an open of an opened fid");
            assertEquals(List.of("pub/f"), lastPaths(rig, Operation.OPEN), "the open's refusal names pub/f, not /");
        }
    }

    /**
     * A clunk is never refused and touches no file: through a fid known by a removed name it is answered Rclunk and
     * recorded as allowed, on that name, with the VM's mapped ids. Before: recorded "denied confinement ESTALE" with
     * no mapped ids, a success logged as a refusal.
     */
    @Test
    void aClunkThroughAHandleKnownByARemovedNameIsRecordedAsTheSuccessItIs() throws Exception {
        try (OverlappingSharesRig rig = openedThenMovedByLink(true, "vault")) {
            rig.beta.clunk(1);
            AuditEntry clunk = last(rig, Operation.CLUNK);
            assertTrue(clunk.decision().allowed(), "a clunk answered Rclunk is not recorded as refused: " + clunk);
            assertEquals(List.of("pub/f"), clunk.request().paths());
            assertEquals(
                    last(rig, Operation.OPEN).decision().hostIds(),
                    clunk.decision().hostIds(),
                    "the clunk carries the VM's mapped ids");
        }
    }

    /**
     * Seed 635 of the policy fuzzer: beta links pub/f as pub/g, removes pub/f through another fid (the kernel now
     * knows fid 1 by the removed pub/f), then renames the file through fid 1 to pub/h: fid 1 is known at pub/h.
     * Before: the gateway looked for it at pub/g, where it had linked it, found nothing and refused fid 1 (ESTALE).
     */
    @Test
    void aFidRenamedAfterItsNameWasRemovedIsKnownAtItsNewName() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("srv/data"));
        Files.createDirectories(data.resolve("pub"));
        Files.writeString(data.resolve("pub/f"), "file f");
        try (OverlappingSharesRig rig = new OverlappingSharesRig(tmp, data, data, BETA)) {
            P9Client beta = rig.beta;
            beta.walk(0, 1, "pub", "f");
            beta.walk(0, 2, "pub");
            beta.link(2, 1, "g");
            beta.unlinkat(2, "f", 0);
            beta.rpc(new TMessage.Trename(1, 2, "h"));
            beta.getattr(1, 0x7ff);
            assertEquals(List.of("pub/h"), lastPaths(rig, Operation.GETATTR), "the renamed fid is known at its name");
        }
    }

    private static AuditEntry last(OverlappingSharesRig rig, Operation op) {
        return rig.records.stream()
                .filter(r -> r.request().operation() == op)
                .reduce((a, b) -> b)
                .orElseThrow();
    }

    private static List<String> lastPaths(OverlappingSharesRig rig, Operation op) {
        return rig.records.stream()
                .filter(r -> r.request().operation() == op)
                .map(AuditEntry::request)
                .reduce((a, b) -> b)
                .orElseThrow()
                .paths();
    }

    /** Where the VM's policy decides alike at every path, where the file went does not matter: served as before. */
    @Test
    void aVmWhosePolicyDoesNotDecideByPathKeepsItsHandle() throws Exception {
        try (OverlappingSharesRig rig = openedThenMovedByLink(false, "other")) {
            P9Client alpha = rig.alpha;
            assertArrayEquals("file f".getBytes(), alpha.read(1, 0, 64));
            assertEquals(1, alpha.write(1, 0, new byte[] {'F'}));
            assertEquals("File f", Files.readString(tmp.resolve("srv/data/other/f")));
        }
    }

    /**
     * A program's own link and unlink (maildir's delivery: write tmp/x, link it as new/x, unlink tmp/x), with its file
     * still open from the create: the Linux client writes its cached data later through that open fid, or the
     * program goes on writing. The gateway made the link, so it finds the file at new/x (the same inode, looked up)
     * and decides there. Before: every write through the fid was refused (ESTALE), which under cache=loose lost the
     * program's data without a word (its writes and sync had succeeded in the page cache).
     */
    @Test
    void aFileTheVmLinkedAndUnlinkedItselfIsServedWhereItWasLinked() throws Exception {
        Path data = maildir();
        try (OverlappingSharesRig rig = new OverlappingSharesRig(tmp, data, data, BETA)) {
            P9Client beta = rig.beta;
            deliver(beta);

            assertEquals(1, beta.write(1, 1, new byte[] {'b'}), "a write through the open fid after the unlink");
            assertArrayEquals("ab".getBytes(), beta.read(1, 0, 64));
            assertEquals("ab", Files.readString(data.resolve("new/x")));
        }
    }

    /** After the VM's own link and unlink, a later move into a hidden subtree by another VM is refused as before. */
    @Test
    void aFileTheVmLinkedItselfIsRefusedOnceAnotherVmMovesItIntoTheVault() throws Exception {
        Path data = maildir();
        try (OverlappingSharesRig rig = new OverlappingSharesRig(tmp, data, data, BETA)) {
            P9Client beta = rig.beta;
            deliver(beta);

            P9Client alpha = rig.alpha;
            alpha.walk(0, 10, "new");
            alpha.walk(0, 11, "vault");
            moveByLink(alpha, "x", 11);
            Files.writeString(data.resolve("vault/x"), "written in the vault");

            assertEquals(Errno.ESTALE, refused(() -> beta.read(1, 0, 64)), "read of a hidden file");
            assertEquals(Errno.ESTALE, refused(() -> beta.write(1, 0, new byte[] {'X'})), "write of a hidden file");
            assertEquals("written in the vault", Files.readString(data.resolve("vault/x")));
        }
    }

    /**
     * Two VMs sharing a directory with pub/f and {@code to}: beta (or alpha, without {@code betaHolds}) opens pub/f as
     * fid 1, then the other moves it into {@code to} by a link and an unlink.
     */
    private OverlappingSharesRig openedThenMovedByLink(boolean betaHolds, String to) throws Exception {
        Path data = Files.createDirectories(tmp.resolve("srv/data"));
        Files.createDirectories(data.resolve("pub"));
        Files.createDirectories(data.resolve(to));
        Files.writeString(data.resolve("pub/f"), "file f");
        OverlappingSharesRig rig = new OverlappingSharesRig(tmp, data, data, BETA);
        try {
            P9Client holder = betaHolds ? rig.beta : rig.alpha;
            P9Client mover = betaHolds ? rig.alpha : rig.beta;
            holder.walk(0, 1, "pub", "f");
            holder.lopen(1, RDWR);
            mover.walk(0, 10, "pub");
            mover.walk(0, 11, to);
            moveByLink(mover, "f", 11);
            return rig;
        } catch (Exception | AssertionError e) {
            rig.close();
            throw e;
        }
    }

    /** A share with tmp, new and (hidden from beta) vault. */
    private Path maildir() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("srv/data"));
        for (String d : List.of("tmp", "new", "vault")) {
            Files.createDirectories(data.resolve(d));
        }
        return data;
    }

    /**
     * Maildir's delivery by {@code vm}: tmp/x made and written ("a") through fid 1, which stays open, linked as new/x
     * through a fid of its own name (as the Linux client links through the dentry's fid), then tmp/x unlinked.
     */
    private static void deliver(P9Client vm) throws Exception {
        vm.walk(0, 10, "tmp");
        vm.walk(0, 11, "new");
        vm.walk(0, 1, "tmp");
        vm.lcreate(1, "x", RDWR, 0644, 0);
        assertEquals(1, vm.write(1, 0, new byte[] {'a'}));
        vm.walk(10, 20, "x");
        vm.link(11, 20, "x");
        vm.unlinkat(10, "x", 0);
    }

    /** {@code name} in the directory fid 10 linked into the directory {@code toDir}, then unlinked: a move. */
    private static void moveByLink(P9Client vm, String name, int toDir) throws Exception {
        vm.walk(10, 20, name);
        vm.link(toDir, 20, name);
        vm.clunk(20);
        vm.unlinkat(10, name, 0);
    }

    private static Errno refused(Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }
}
