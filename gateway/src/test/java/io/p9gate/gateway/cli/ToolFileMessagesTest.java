package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mistaken files and numbers given to {@code policy reload} and {@code policy replay}: one line that names the file
 * once and says what is wrong ("Input length = 1" and "F: F is not a key file" did neither).
 */
class ToolFileMessagesTest {
    @TempDir
    Path dir;

    private Path binary() throws Exception {
        return Files.write(dir.resolve("blob"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
    }

    @Test
    void aBinaryPidFileIsSaidInWords() throws Exception {
        Path pid = binary();
        CliRun run = CliRun.of("policy", "reload", "--pid-file", pid.toString());
        assertEquals(Main.EXIT_USAGE, run.code(), run.err());
        assertTrue(run.err().contains("pid file " + pid + " does not hold a process id"), run.err());
        assertFalse(run.err().contains("Input length"), run.err());
    }

    @Test
    void aNegativeTimeoutIsAUsageError() throws Exception {
        Path pid = Files.writeString(dir.resolve("pid"), ProcessHandle.current().pid() + "\n");
        CliRun run = CliRun.of("policy", "reload", "--pid-file", pid.toString(), "--timeout", "-1");
        assertEquals(Main.EXIT_USAGE, run.code(), run.err());
        assertTrue(run.err().contains("--timeout must be at least 1"), run.err());
    }

    @Test
    void aBadReplayKeyIsNamedOnce() throws Exception {
        Path key = binary();
        Path log = Files.createDirectories(dir.resolve("log"));
        CliRun run = CliRun.of(
                "policy",
                "replay",
                "--log",
                log.toString(),
                "--key",
                key.toString(),
                "--policy",
                Path.of("../policies/infotainment.yaml").toString());
        assertEquals(Main.EXIT_USAGE, run.code(), run.err());
        assertEquals(1, run.err().split(java.util.regex.Pattern.quote(key.toString()), -1).length - 1, run.err());
    }

    /**
     * A {@code --log} that holds no log (a typo, the parent directory) replayed as "0 records ... unchanged", exit 0:
     * a policy change looked harmless, and with {@code --key} the empty directory passed as verified.
     */
    @Test
    void aDirectoryWithoutALogIsNotReplayed() throws Exception {
        Path notTheLog = Files.createDirectories(dir.resolve("var-lib-p9gate"));
        Files.writeString(notTheLog.resolve("notes.txt"), "x");
        CliRun run = CliRun.of(
                "policy",
                "replay",
                "--log",
                notTheLog.toString(),
                "--no-verify",
                "--policy",
                Path.of("../policies/infotainment.yaml").toString());
        assertEquals(Main.EXIT_USAGE, run.code(), run.out() + run.err());
        assertTrue(run.err().contains("no audit log in " + notTheLog), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertEquals("", run.out());
    }
}
