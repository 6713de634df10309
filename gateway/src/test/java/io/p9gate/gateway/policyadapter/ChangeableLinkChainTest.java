package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A trusted file reached through a chain of links ({@code a -> b -> c}): the directories above the path as given and
 * above the real path were checked, not the one holding the middle link, whose writer (any user, where it is
 * world-writable) can point {@code b} at a file of their own, and the gateway reads that at its next start or reload.
 */
class ChangeableLinkChainTest {
    @TempDir
    Path tmp;

    @Test
    void theDirectoryOfAMiddleLinkIsChecked() throws Exception {
        Path safe = Files.createDirectories(tmp.resolve("etc"));
        Path open = Files.createDirectories(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path keys = Files.createDirectories(tmp.resolve("keys"));
        Path file = Files.writeString(keys.resolve("p.yaml"), "x");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Files.createSymbolicLink(open.resolve("b"), file); // b -> keys/p.yaml, in a directory anyone may write
        Path a = Files.createSymbolicLink(safe.resolve("a"), open.resolve("b")); // a -> open/b

        List<String> why = ChangeableByOthers.fileAndItsDirectories(a);
        assertTrue(why.stream().anyMatch(w -> w.contains(open + " ") && w.contains("rwxrwxrwx")), why.toString());
    }

    @Test
    void aChainThroughOwnerOnlyDirectoriesIsNoReason() throws Exception {
        Path safe = Files.createDirectories(tmp.resolve("etc"));
        Path mid = Files.createDirectories(tmp.resolve("mid"));
        Path file =
                Files.writeString(Files.createDirectories(tmp.resolve("keys")).resolve("p.yaml"), "x");
        Files.createSymbolicLink(mid.resolve("b"), Path.of("../keys/p.yaml"));
        Path a = Files.createSymbolicLink(safe.resolve("a"), mid.resolve("b"));
        assertTrue(ChangeableByOthers.fileAndItsDirectories(a).isEmpty(), file.toString());
    }
}
