package io.p9gate.audit.note;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.audit.TestLogs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keys generate} on a full disk: the private key file was created and its write failed (ENOSPC), leaving an
 * empty PREFIX.key behind that the next run refused to overwrite and the gateway refused as malformed, and the error
 * was a bare "No space left on device" naming no file. Now nothing is left and the line names the file.
 */
class KeyPairFullDiskTest {
    @TempDir
    Path tmp;

    @Test
    void aKeyThatCannotBeWrittenLeavesNoFileAndIsNamed() throws Exception {
        Path disk = Files.createDirectory(tmp.resolve("disk"));
        assumeTrue(
                new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", disk.toString())
                                .inheritIO()
                                .start()
                                .waitFor()
                        == 0,
                "needs root to mount a 4 KiB tmpfs");
        try {
            Files.write(disk.resolve("fill"), new byte[4096]);
            Path key = disk.resolve("audit.key");

            IOException e = assertThrows(
                    IOException.class,
                    () -> KeyFiles.writeKeyPair(TestLogs.key("ecu-a-audit"), key, disk.resolve("audit.pub")));

            assertFalse(Files.exists(key, LinkOption.NOFOLLOW_LINKS), "an empty private key was left");
            assertTrue(e.getMessage().contains(key.toString()), e.getMessage());
        } finally {
            new ProcessBuilder("umount", disk.toString()).inheritIO().start().waitFor();
        }
    }
}
