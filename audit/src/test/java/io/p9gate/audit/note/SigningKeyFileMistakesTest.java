package io.p9gate.audit.note;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.TestLogs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --audit-key FILE} as an operator gets it wrong: the message names the file and says what to give
 * instead, and never advises a chmod that cannot help.
 */
class SigningKeyFileMistakesTest {
    @TempDir
    Path tmp;

    private Path pub() throws Exception {
        Path pub = tmp.resolve("audit.pub");
        KeyFiles.writeKeyPair(TestLogs.key("ecu-a-audit"), tmp.resolve("audit.key"), pub);
        return pub;
    }

    private String refusal(Path file) {
        return assertThrows(KeyFormatException.class, () -> KeyFiles.readSigningKey(file))
                .getMessage();
    }

    /** Before: "private key audit.pub is accessible by group or others (rw-r--r--); chmod 600 it". */
    @Test
    void thePublicKeyAsWrittenIsNamedAsThePublicKey() throws Exception {
        Path pub = pub();
        String why = refusal(pub);
        assertTrue(why.contains(pub + " is the public key"), why);
        assertFalse(why.contains("chmod"), why);
    }

    /** Before: "not a private key (want PRIVATE+KEY+name+hash+key)", naming no file. */
    @Test
    void thePublicKeyMadePrivateIsStillNamedAsThePublicKey() throws Exception {
        Path pub = pub();
        Files.setPosixFilePermissions(pub, PosixFilePermissions.fromString("rw-------"));
        String why = refusal(pub);
        assertTrue(why.contains(pub + " is the public key"), why);
    }

    /** Before: "not a private key (want PRIVATE+KEY+name+hash+key)", naming no file. */
    @Test
    void anotherFileIsNamed() throws Exception {
        Path other = Files.writeString(tmp.resolve("server-key.pem"), "-----BEGIN PRIVATE KEY-----\n");
        Files.setPosixFilePermissions(other, PosixFilePermissions.fromString("rw-------"));
        String why = refusal(other);
        assertTrue(why.startsWith(other + ": not a private key"), why);
    }

    /** Before: "private key DIR is accessible by group or others (rwxr-xr-x); chmod 600 it". */
    @Test
    void aDirectoryIsNamedAsADirectory() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("keys"));
        String why = refusal(dir);
        assertTrue(why.contains(dir + ": is a directory (not a key file)"), why);
    }

    @Test
    void aReadablePrivateKeyIsStillRefused() throws Exception {
        pub();
        Path key = tmp.resolve("audit.key");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(refusal(key).contains("group or others"));
    }
}
