package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM socket's {@code socket:} is applied when the socket is bound. An operator who found a socket every host user
 * could connect to (mode 0666) and tightened it to 0660 saw {@code policy reload} succeed, while the socket stayed
 * 0666: any local process could still connect as the VM. Such a reload is now refused, saying to restart; one that
 * leaves {@code socket:} alone is taken.
 */
class ReloadSocketFileAttackTest {
    @TempDir
    Path dir;

    private String policy(String mode, String access) {
        return OneSharePolicy.text(dir.resolve("v.sock"), dir.resolve("share"), access)
                .replace("    shares:", "    socket: {mode: \"" + mode + "\"}\n    shares:");
    }

    @Test
    void aReloadThatChangesABoundSocketsModeIsRefusedNotSilentlyIgnored() throws Exception {
        Files.createDirectories(dir.resolve("share"));
        Path policy = Files.writeString(dir.resolve("policy.yaml"), policy("0666", "read-only"));
        Path pidFile = dir.resolve("p9gate.pid");
        try (ServeProcess serve = ServeProcess.start(
                Map.of(), "serve", "--policy", policy.toString(), "--pid-file", pidFile.toString())) {
            serve.awaitStdout("SIGHUP reloads it");

            Files.writeString(policy, policy("0660", "read-only"));
            CliRun tightened = CliRun.of("policy", "reload", "--pid-file", pidFile.toString());
            assertEquals(
                    "rw-rw-rw-",
                    PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(dir.resolve("v.sock"), LinkOption.NOFOLLOW_LINKS)),
                    "the bound socket keeps the mode it was bound with");
            assertEquals(Main.EXIT_FAILURE, tightened.code(), "not applied, so not taken: " + tightened.out());
            assertTrue(
                    tightened
                            .err()
                            .contains("VM 'v' socket: owner (gateway), group (gateway), mode 0660 differs from"
                                    + " the socket " + dir.resolve("v.sock")
                                    + " has (owner (gateway), group (gateway), mode"
                                    + " 0666): a socket's owner, group and mode are set when it is bound; restart"),
                    tightened.err());

            Files.writeString(policy, policy("0666", "read-write"));
            CliRun same = CliRun.of("policy", "reload", "--pid-file", pidFile.toString());
            assertEquals(0, same.code(), "a reload that leaves socket: alone is taken: " + same.err());
            assertEquals(ServeProcess.EXIT_ON_SIGTERM, serve.stop(), serve.stderr());
        }
    }
}
