package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
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

    /**
     * Past the kernel's 40 links the walk took the 41st link for a directory and went on: the directory its target
     * is in (here one anyone may write) was never looked at and the file passed. It fails closed now.
     */
    @Test
    void aWalkPastFortyLinksFailsClosed() throws Exception {
        Path start = chainThroughAnOpenDirectory(41);

        assertThrows(
                FileSystemLoopException.class, () -> ChangeableByOthers.directoriesLookedUpIn(start, true, l -> {}));
        assertTrue(
                ChangeableByOthers.fileAndItsDirectories(start).contains(ChangeableByOthers.TOO_MANY_LINKS),
                ChangeableByOthers.fileAndItsDirectories(start).toString());
        assertTrue(ChangeableByOthers.directoriesAbove(start.resolve("s"), new HashSet<>())
                .containsValue(ChangeableByOthers.TOO_MANY_LINKS));
    }

    /** Forty links, as many as the kernel follows, are walked to the end: the last one's directory is checked. */
    @Test
    void fortyLinksAreWalkedToTheEnd() throws Exception {
        Path start = chainThroughAnOpenDirectory(40);
        assertTrue(
                ChangeableByOthers.directoriesLookedUpIn(start, true, l -> {}).contains(tmp.resolve("open")));
    }

    /** {@code links} links to an owner-only file, the last of them in a directory anyone may write; the first. */
    private Path chainThroughAnOpenDirectory(int links) throws Exception {
        Path open = Files.createDirectories(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path file =
                Files.writeString(Files.createDirectories(tmp.resolve("keys")).resolve("p.yaml"), "x");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Path safe = Files.createDirectories(tmp.resolve("etc"));
        Path next = Files.createSymbolicLink(open.resolve("last"), file);
        for (int i = 1; i < links; i++) {
            next = Files.createSymbolicLink(safe.resolve("l" + i), next);
        }
        return next;
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
