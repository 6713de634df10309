package io.p9gate.policy.load;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM's socket path longer than a Unix socket's may be, or in a directory too long for the private directory the
 * gateway binds it in first: 'policy check' refuses it at its line, as 'serve' does at start. Before, check said
 * "ok", and the gateway then refused to start on the ECU.
 */
class UnixSocketPathLengthTest {
    @TempDir
    Path dir;

    private Path policy(String socket) throws Exception {
        return Files.writeString(dir.resolve("p.yaml"), """
                image: t
                vms:
                  vm1:
                    listen: unix:%s
                    shares: {s: {path: /srv/s, access: read-only}}
                """.formatted(socket));
    }

    @Test
    void aSocketPathOverTheLimitIsRefusedAtItsLine() throws Exception {
        String socket = "/run/" + "x".repeat(100) + ".sock"; // 110 bytes
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyParser.parse(policy(socket)));
        assertTrue(e.getMessage().contains("p.yaml:4:"), e.getMessage());
        assertTrue(e.getMessage().contains("110 bytes") && e.getMessage().contains("at most 107"), e.getMessage());
    }

    @Test
    void aDirectoryTooLongForTheStagingPathIsRefused() throws Exception {
        String socket = "/run/" + "d".repeat(91) + "/a.sock"; // 103 bytes, its staging path 108
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyParser.parse(policy(socket)));
        assertTrue(e.getMessage().contains("use a shorter directory"), e.getMessage());
    }

    @Test
    void aPathThatFitsLoads() {
        assertDoesNotThrow(() -> PolicyParser.parse(policy("/run/" + "d".repeat(80) + "/a.sock")));
    }

    /** The root directory has no directory beside it to bind in: refused at its line, not a NullPointerException. */
    @Test
    void theRootDirectoryIsRefusedAtItsLine() throws Exception {
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyParser.parse(policy("/")));
        assertTrue(e.getMessage().contains("p.yaml:4:"), e.getMessage());
    }
}
