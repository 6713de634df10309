package io.p9gate.audit.note;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.TestLogs;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keys generate} (run as root, perhaps in a directory others can write) makes both key files new, through no
 * symlink: the private key was created O_EXCL but written again by path, and the public key only checked with
 * Files.exists, which follows a symlink, so a dangling {@code PREFIX.pub -> /elsewhere} had the public key written to
 * wherever it pointed.
 */
class KeyPairNoFollowTest {
    @TempDir
    Path tmp;

    @Test
    void aDanglingSymlinkAtThePublicKeysNameIsRefusedNotFollowed() throws Exception {
        Path victim = tmp.resolve("elsewhere");
        Path pub = Files.createSymbolicLink(tmp.resolve("audit.pub"), victim);
        assertThrows(
                Exception.class,
                () -> KeyFiles.writeKeyPair(TestLogs.key("ecu-a-audit"), tmp.resolve("audit.key"), pub));
        assertFalse(Files.exists(victim, LinkOption.NOFOLLOW_LINKS), "the symlink's target was written");
        assertTrue(Files.isSymbolicLink(pub), "the symlink stays as it was");
    }
}
