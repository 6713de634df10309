package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.backend.HostCredentials;
import io.p9gate.gateway.testing.Root;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pid file and FILE.reload as the gateway writes them ({@link RunFile}). */
class RunFileTest {
    @TempDir
    Path dir;

    /**
     * In a sticky directory (/tmp) a file another user made at the name is theirs: a gateway not running as root
     * cannot rename onto it (EPERM), which serve reported as "D/p9gate.pid.3k92q371dnfv0.tmp -> D/p9gate.pid:
     * Operation not permitted", naming a file that is gone and not why.
     */
    @Test
    void aFileAnotherUserOwnsInAStickyDirectoryIsRefusedSayingWhose() throws Exception {
        Root.assumeRoot("a file of another user, and a thread without CAP_FOWNER");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Path sticky = Files.createDirectory(dir.resolve("tmp"));
        Files.setPosixFilePermissions(sticky, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setAttribute(sticky, "unix:mode", 01777);
        Path pidFile = Files.writeString(sticky.resolve("p9gate.pid"), "1\n");
        Files.setAttribute(pidFile, "unix:uid", 4321);

        // fsuid 65534: the thread drops CAP_FOWNER, as a gateway run by an unprivileged user has none.
        IOException refused = HostCredentials.actingAs(65534, 65534, () -> {
            try {
                RunFile.replace(pidFile, "2\n");
                return null;
            } catch (IOException e) {
                return e;
            } catch (UncheckedIOException e) {
                return e.getCause();
            }
        });

        assertTrue(refused != null, "replaced another user's file");
        assertEquals(
                "cannot replace " + pidFile + ": Operation not permitted (it belongs to uid 4321, and in a sticky"
                        + " directory only its owner or root may replace it: remove it, or choose another place)",
                refused.getMessage());
        assertEquals(List.of(pidFile), Files.list(sticky).toList(), "no temporary file is left");
    }
}
