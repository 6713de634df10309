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
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team of issue 8 (R-POL-2, R-POL-3): renaming the directory above a deny rule's match is refused (it would
 * carry the protected files out of the rule's reach), but renaming the protected file itself was not. Under a drop
 * box (deny OPEN_READ on {@code /drop/**}) a guest moved {@code /drop/letter} to {@code /letter} and read it; under
 * a deny of OPEN_WRITE on {@code *.sh} it renamed {@code run.sh} to {@code run.txt}, rewrote it and renamed it back.
 * A rename is refused (EACCES) when the new name would allow something on the file that its current name refuses,
 * as for a hard link; a move into the box, to a name with fewer rights, is fine.
 */
class RenameWideningAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aRenameNeverCarriesAFileOutOfARule() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, """
                rules:
                  - {id: drop-box, effect: deny, ops: [OPEN_READ], paths: ["/drop/**"]}
                  - {id: no-script-writes, effect: deny, ops: [OPEN_WRITE], paths: ["/**/*.sh"]}
                """, "data")) {
            Path share = gw.share("data");
            Files.createDirectories(share.resolve("drop/sub"));
            Files.writeString(share.resolve("drop/letter"), "for the host only");
            Files.writeString(share.resolve("run.sh"), "echo safe\n");
            Files.writeString(share.resolve("report"), "to hand in");
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "drop");
                assertEquals(Errno.EACCES, refused(() -> guest.renameat(1, "letter", 0, "letter")), "letter out");
                assertEquals(Errno.EACCES, refused(() -> guest.renameat(1, "sub", 0, "sub")), "a directory out");
                assertEquals(Errno.EACCES, refused(() -> guest.renameat(0, "run.sh", 0, "run.txt")), "script");
                guest.walk(0, 2, "run.sh");
                assertEquals(
                        Errno.EACCES,
                        refused(() -> guest.rpc(new TMessage.Trename(2, 0, "run.txt"))),
                        "Trename of the fid too");

                guest.renameat(0, "report", 1, "report"); // into the box: fewer rights, fine
            }
            assertTrue(Files.exists(share.resolve("drop/letter")));
            assertTrue(Files.isDirectory(share.resolve("drop/sub")));
            assertTrue(Files.exists(share.resolve("run.sh")));
            assertTrue(Files.exists(share.resolve("drop/report")));
        }
    }

    private static Errno refused(Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }
}
