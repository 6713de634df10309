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
 * Red team (R-POL-2): a deny of READDIR on a directory keeps its names from being listed (a drop box whose senders
 * may not see each other's letters, reachable only by a name they know). A rename is refused when the new name
 * allows something on the renamed file that its current name refuses, but READDIR was not among what was compared:
 * a guest renamed {@code /inbox} (or {@code /boxes/a}, under a deny of {@code /boxes/*}) to a name no rule covers
 * and listed it there. Listing a directory is done to the directory itself, so it is compared like reading a file.
 */
class UnlistableRenameAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aRenameNeverMakesAnUnlistableDirectoryListable() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, """
                rules:
                  - {id: no-list-inbox, effect: deny, ops: [READDIR], paths: ["/inbox"]}
                  - {id: no-list-boxes, effect: deny, ops: [READDIR], paths: ["/boxes/*"]}
                """, "data")) {
            Path share = gw.share("data");
            Files.createDirectories(share.resolve("inbox"));
            Files.writeString(share.resolve("inbox/letter-from-alice"), "private");
            Files.createDirectories(share.resolve("boxes/a"));
            Files.writeString(share.resolve("boxes/a/letter-from-bob"), "private");
            Files.createDirectories(share.resolve("free"));
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "inbox");
                guest.lopen(1, 0);
                assertEquals(Errno.EACCES, refused(() -> guest.readdir(1, 0, 8192)), "the inbox is not listable");
                guest.clunk(1);

                assertEquals(Errno.EACCES, refused(() -> guest.renameat(0, "inbox", 0, "seen")), "the inbox, renamed");
                guest.walk(0, 2, "inbox");
                assertEquals(
                        Errno.EACCES,
                        refused(() -> guest.rpc(new TMessage.Trename(2, 0, "seen"))),
                        "the inbox, renamed by its fid");
                guest.walk(0, 3, "boxes");
                assertEquals(Errno.EACCES, refused(() -> guest.renameat(3, "a", 0, "a")), "a box, moved out of /boxes");
                guest.renameat(0, "free", 3, "b"); // into the boxes: fewer rights, fine
            }
            assertTrue(Files.isDirectory(share.resolve("inbox")));
            assertTrue(Files.isDirectory(share.resolve("boxes/a")));
            assertTrue(Files.isDirectory(share.resolve("boxes/b")));
        }
    }

    private static Errno refused(org.junit.jupiter.api.function.Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }
}
