package io.p9gate.audit.note;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.TestLogs;
import io.p9gate.audit.testing.ScratchMount;
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
        try (ScratchMount disk = ScratchMount.tmpfs(tmp.resolve("disk"), "size=4k")) {
            disk.fill("fill");
            Path key = disk.dir.resolve("audit.key");

            IOException e = assertThrows(
                    IOException.class,
                    () -> KeyFiles.writeKeyPair(TestLogs.key("ecu-a-audit"), key, disk.dir.resolve("audit.pub")));

            assertFalse(Files.exists(key, LinkOption.NOFOLLOW_LINKS), "an empty private key was left");
            assertTrue(e.getMessage().contains(key.toString()), e.getMessage());
        }
    }
}
