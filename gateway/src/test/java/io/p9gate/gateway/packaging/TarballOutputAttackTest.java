package io.p9gate.gateway.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code p9gate package --out DIR} wrote the tarball through DIR/NAME.tar.gz.partial, a name anyone can predict,
 * opened following links and truncating: with --out in a directory others may write (/tmp/pkg), a local user's
 * symlink there made the packager (root in many CI jobs) overwrite any file it pointed at with the tarball, then
 * renamed the link onto the tarball's name. The tarball is now written to a new file made exclusively, never
 * through a link, and renamed into place.
 */
class TarballOutputAttackTest {
    private static final String VICTIM = "root:x:0:0:root:/root:/bin/sh\n";

    @TempDir
    Path dir;

    @Test
    void aLinkPlantedAtThePartialTarballIsNotWrittenThrough() throws Exception {
        Path victim = Files.writeString(dir.resolve("victim"), VICTIM);
        Path out = Files.createDirectories(dir.resolve("out"));
        Path planted = Files.createSymbolicLink(out.resolve("p9gate-t-1-linux-x.tar.gz.partial"), victim);
        Path file = Files.writeString(dir.resolve("file"), "x\n");

        Path tarball = Packager.publish(
                out,
                "p9gate-t-1-linux-x",
                List.of(new TreeEntry.RegularFile("file", 0644, file)),
                "manifest\n",
                null,
                1_700_000_000L,
                Packager.Steps.NONE,
                warning -> {});

        assertEquals(VICTIM, new String(Files.readAllBytes(victim), StandardCharsets.ISO_8859_1), "victim untouched");
        assertFalse(Files.isSymbolicLink(tarball), "the tarball is a file of its own");
        assertTrue(Files.size(tarball) > 0);
        assertEquals(victim, Files.readSymbolicLink(planted), "someone else's link is not ours to remove");
        try (var names = Files.list(out)) {
            assertEquals(3, names.count(), "no temporary file left: the planted link, the tarball and its manifest");
        }
    }
}
