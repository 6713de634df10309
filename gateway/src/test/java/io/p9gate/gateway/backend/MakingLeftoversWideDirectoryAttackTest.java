package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest makes one directory of very many subdirectories (no quota bounds a share without one): the leftover sweep,
 * run at every start before any VM is served, held the name of every subdirectory of a directory before entering the
 * first, so its memory grew with the widest directory of the share (10 million names: gigabytes, a start that fails
 * for every VM). It must hold a bounded number of names whatever a directory's width, and still sweep them all.
 */
class MakingLeftoversWideDirectoryAttackTest {
    private static final int WIDTH = 8_000;
    /** Far below WIDTH: what a few listing buffers hold per level of a shallow tree. */
    private static final int BOUND = 2_000;

    @TempDir
    Path tmp;

    @Test
    void aWideDirectoryIsSweptHoldingABoundedNumberOfNames() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path wide = Files.createDirectories(share.resolve("wide"));
        for (int i = 0; i < WIDTH; i++) {
            Files.createDirectory(wide.resolve("d" + i));
        }
        Path first = Files.createDirectory(wide.resolve("d0").resolve(Names.MAKING_PREFIX + "a"));
        Path last = Files.createFile(wide.resolve("d" + (WIDTH - 1)).resolve(Names.MAKING_PREFIX + "b"));
        Path top = Files.createSymbolicLink(wide.resolve(Names.MAKING_PREFIX + "c"), Path.of("x"));
        try (ShareRoot root = ShareRoot.open(share, new QidMapper())) {
            MakingLeftovers.Swept swept = MakingLeftovers.sweep(root.rootNode());
            assertEquals(3, swept.removed(), "every leftover of the wide directory swept: " + swept);
            assertTrue(swept.kept().isEmpty(), "nothing kept: " + swept.kept());
            assertTrue(
                    swept.mostNamesHeld() <= BOUND,
                    "names held at once: " + swept.mostNamesHeld() + " for a directory of " + WIDTH);
        }
        assertFalse(Files.exists(first));
        assertFalse(Files.exists(last));
        assertFalse(Files.exists(top, LinkOption.NOFOLLOW_LINKS));
    }
}
