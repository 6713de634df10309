package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-POL-4, R-CONF-1): a fid remembers its path, and a move made on the host does not tell it, so "every walk
 * ends with one kernel check" that it ended where it was decided (docs/architecture.md). A walk that <em>stopped</em>
 * early skipped that check and answered the qids it got. A guest holding a fid on {@code pub/d}, which the host then
 * moved under the hidden {@code /secret} (or out of the share), walked {@code [NAME, "zzz"]} from it: decided on
 * {@code pub/d/NAME}, allowed, it got NAME's qid whenever NAME existed in the hidden directory, and no check ever made
 * the share forget the stale path, so it could probe any number of names. A walk that stops must be checked like one
 * that does not, and refused (ENOENT) when the directory it reached is not where it was decided.
 */
class PartialWalkHostMoveAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aWalkThatStopsInADirectoryTheHostMovedRevealsNothingThere() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "hidden: [/secret]", "data")) {
            try (P9Client guest = gw.attached("data", 0)) {
                movedUnderSecret(gw.share("data"), guest);
                for (int probe = 0; probe < 3; probe++) {
                    assertEquals(
                            Errno.ENOENT,
                            refused(() -> guest.walk(1, 3, "payroll.xlsx", "zzz")),
                            "a partial walk showed a name in the hidden directory");
                }
            }
        }
    }

    @Test
    void aWalkThatStopsInADirectoryTheHostMovedOutOfTheShareRevealsNothingThere() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path share = gw.share("data");
            Files.createDirectories(share.resolve("pub/d"));
            Path outside = Files.createDirectories(tmp.resolve("backups"));
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "pub", "d");

                Files.move(share.resolve("pub/d"), outside.resolve("d"));
                Files.createDirectories(outside.resolve("d/.ssh"));
                Errno errno = refused(() -> guest.walk(1, 3, ".ssh", "zzz"));
                assertEquals(Errno.EACCES, errno, "a partial walk showed a name outside the share");
            }
        }
    }

    /**
     * Tmkdir, Tmknod and Tsymlink answer EEXIST for an existing name before they make anything (Entries): that answer
     * must never come from a hidden directory. A fid of a directory the host moved under /secret is decided where the
     * directory is now, so a name there that exists and one that does not are both ENOENT, nothing is made, and the
     * directory is not changed.
     */
    @Test
    void makingInADirectoryTheHostMovedUnderAHiddenOneTellsNoNameThere() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "hidden: [/secret]", "data")) {
            Path share = gw.share("data");
            try (P9Client guest = gw.attached("data", 0)) {
                movedUnderSecret(share, guest);
                java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L);
                Files.setLastModifiedTime(share.resolve("secret/d"), old);
                for (String name : java.util.List.of("payroll.xlsx", "zzz")) {
                    assertEquals(Errno.ENOENT, refused(() -> guest.mkdir(1, name, 0755, 0)), "Tmkdir " + name);
                    assertEquals(
                            Errno.ENOENT,
                            refused(() -> guest.rpc(new TMessage.Tmknod(1, name, 0010644, 0, 0, 0))),
                            "Tmknod " + name);
                    assertEquals(Errno.ENOENT, refused(() -> guest.symlink(1, name, "target", 0)), "Tsymlink " + name);
                }
                assertEquals(old, Files.getLastModifiedTime(share.resolve("secret/d")));
                assertTrue(Files.notExists(share.resolve("secret/d/zzz"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
            }
        }
    }

    /** Fid 1 of /pub/d, a directory the host then files under the hidden /secret and puts payroll.xlsx in. */
    private static void movedUnderSecret(Path share, P9Client guest) throws Exception {
        Files.createDirectories(share.resolve("pub/d"));
        Files.createDirectories(share.resolve("secret"));
        guest.walk(0, 1, "pub", "d");
        Files.move(share.resolve("pub/d"), share.resolve("secret/d"));
        Files.writeString(share.resolve("secret/d/payroll.xlsx"), "salaries");
    }

    private static Errno refused(org.junit.jupiter.api.function.Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }
}
