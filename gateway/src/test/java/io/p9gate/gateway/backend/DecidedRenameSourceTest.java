package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Trenameat is decided before its call (and its intent record, written to disk first, lies in between): a rename
 * decided on a file must not move a directory another request put at that name meanwhile, which would carry what
 * is below it past the policy's check of directory moves. Here the swap is made before the call.
 */
class DecidedRenameSourceTest {
    @TempDir
    Path tmp;

    @Test
    void aRenameDecidedOnAFileDoesNotMoveADirectoryFoundInItsPlace() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("share"));
        Files.createDirectories(dir.resolve("logs/f"));
        Files.writeString(dir.resolve("logs/f/x.sh"), "echo safe\n");
        Files.writeString(dir.resolve("logs/g"), "a file");
        try (ShareRoot share = ShareRoot.open(dir, new QidMapper());
                Node root = share.root();
                Node logs = share.lookup(root, "logs")) {
            Entries entries = new Entries(share);
            P9Exception refused =
                    assertThrows(P9Exception.class, () -> entries.renameAt(logs, "f", root, "f", false, false));
            assertEquals(Errno.ENOENT, refused.errno());
            assertTrue(Files.exists(dir.resolve("logs/f/x.sh")), "the directory stayed");

            entries.renameAt(logs, "g", root, "g", false, false); // a file, as decided
            entries.renameAt(logs, "f", root, "f", false, true); // a directory, decided as one
        }
        assertTrue(Files.exists(dir.resolve("g")));
        assertTrue(Files.exists(dir.resolve("f/x.sh")));
    }
}
