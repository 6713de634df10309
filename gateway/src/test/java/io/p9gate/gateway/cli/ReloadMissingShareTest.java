package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload whose share directory does not exist was taken in silence ("policy reloaded", exit 0), while a restart
 * with the same file exits 75 until the directory is there ({@link ShareNotThereYetTest}): every VM then waited for
 * one share's disk, and nothing had said so. It is still taken (refusing it would keep the old policy whole, what
 * the reload revokes included, for a disk mounted late), with a warning that names the directory and the restart's
 * exit 75, shown by {@code policy reload}.
 */
class ReloadMissingShareTest {
    @TempDir
    Path dir;

    @Test
    void aReloadWhoseShareDirectoryIsMissingIsTakenWithAWarning() throws Exception {
        Files.createDirectories(dir.resolve("share"));
        Path socket = dir.resolve("v.sock");
        Path policy = Files.writeString(
                dir.resolve("policy.yaml"), OneSharePolicy.text(socket, dir.resolve("share"), "read-only"));
        Path pidFile = dir.resolve("p9gate.pid");
        try (ServeProcess serve = ServeProcess.start(
                Map.of(), "serve", "--policy", policy.toString(), "--pid-file", pidFile.toString())) {
            serve.awaitStdout("SIGHUP reloads it");
            Path missing = dir.resolve("late-disk/media");
            Files.writeString(policy, OneSharePolicy.text(socket, missing, "read-only"));

            CliRun taken = CliRun.of("policy", "reload", "--pid-file", pidFile.toString());
            assertEquals(0, taken.code(), taken.err());
            assertTrue(taken.out().contains("policy reloaded"), taken.out());
            assertEquals(1, taken.err().strip().lines().count(), "one warning line: " + taken.err());
            assertTrue(
                    taken.err()
                                    .startsWith("p9gate: WARNING: VM 'v', share 's': directory " + missing
                                            + " does not exist")
                            && taken.err().contains("a restart exits 75"),
                    taken.err());

            Files.createDirectories(missing);
            CliRun quiet = CliRun.of("policy", "reload", "--pid-file", pidFile.toString());
            assertEquals(0, quiet.code(), quiet.err());
            assertEquals("", quiet.err(), "no warning once the directory is there");
            assertEquals(ServeProcess.EXIT_ON_SIGTERM, serve.stop(), serve.stderr());
        }
    }
}
