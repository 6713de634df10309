package io.p9gate.audit.note;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.audit.TestLogs;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keys generate} forces each key to disk after its write, then the directory that names them: without it a
 * crash soon after could leave an empty audit.key, which the next run refuses to overwrite and the gateway refuses
 * as malformed. A crash cannot be tested here: the calls are recorded with what is on disk at each.
 */
class KeyPairDiskSyncTest {
    @TempDir
    Path tmp;

    @Test
    void eachKeyIsForcedWhenWrittenThenTheirDirectory() throws Exception {
        Path key = tmp.resolve("audit.key");
        Path pub = tmp.resolve("audit.pub");
        SigningKey signing = TestLogs.key("ecu-a-audit");
        long keyBytes = signing.format().length() + 1;
        long pubBytes = signing.verifierKey().format().length() + 1;
        List<String> calls = new ArrayList<>();

        KeyFiles.writeKeyPair(signing, key, pub, new DiskSync() {
            @Override
            public void file(FileChannel file) throws IOException {
                calls.add("file of " + file.size() + " bytes; " + onDisk(key, pub));
            }

            @Override
            public void directory(Path dir) {
                calls.add("directory " + dir + "; " + onDisk(key, pub));
            }
        });

        assertEquals(
                List.of(
                        "file of " + keyBytes + " bytes; audit.key " + keyBytes + ", audit.pub none",
                        "file of " + pubBytes + " bytes; audit.key " + keyBytes + ", audit.pub " + pubBytes,
                        "directory " + tmp + "; audit.key " + keyBytes + ", audit.pub " + pubBytes),
                calls);
    }

    /** A directory that cannot be forced: the command fails, and leaves no key it could not say is on disk. */
    @Test
    void aDirectoryThatCannotBeForcedLeavesNoKey() {
        Path key = tmp.resolve("audit.key");
        Path pub = tmp.resolve("audit.pub");

        IOException e = assertThrows(
                IOException.class,
                () -> KeyFiles.writeKeyPair(TestLogs.key("ecu-a-audit"), key, pub, new DiskSync() {
                    @Override
                    public void file(FileChannel file) {}

                    @Override
                    public void directory(Path dir) throws IOException {
                        throw new IOException("EIO");
                    }
                }));

        assertEquals("EIO", e.getMessage());
        assertFalse(Files.exists(key, LinkOption.NOFOLLOW_LINKS), "private key left");
        assertFalse(Files.exists(pub, LinkOption.NOFOLLOW_LINKS), "public key left");
    }

    private static String onDisk(Path key, Path pub) {
        return "audit.key " + size(key) + ", audit.pub " + size(pub);
    }

    private static String size(Path file) {
        try {
            return Files.exists(file, LinkOption.NOFOLLOW_LINKS) ? Long.toString(Files.size(file)) : "none";
        } catch (IOException e) {
            return e.toString();
        }
    }
}
