package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.auditing.SignedLogs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A share directory that is not there yet (on a disk mounted late) stopped {@code serve} with exit 2, which the
 * packaged unit's {@code RestartPreventExitStatus=2} never restarts: the gateway stayed down once the disk came.
 * It now exits {@link Main#EXIT_RETRY}, which the unit restarts ({@code packaging.SystemdUnitTest}); a path that is there but no directory stays a usage error. {@code --share} and a policy's share say it
 * alike (one check: {@link ShareDirectory}).
 */
class ShareNotThereYetTest {
    @TempDir
    Path dir;

    private static String onlyLine(CliRun r) {
        String[] lines = r.err().strip().split("\n");
        assertEquals(1, lines.length, "one line on stderr: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace");
        return lines[0];
    }

    @Test
    void aPolicysMissingShareExitsWithTheStatusTheUnitRestarts() throws Exception {
        SignedLogs logs = SignedLogs.in(dir);
        Path missing = dir.resolve("late-disk/media");
        Path policy = Files.writeString(
                dir.resolve("p.yaml"), OneSharePolicy.text(dir.resolve("v.sock"), missing, "read-write"));
        CliRun r = CliRun.of(
                "serve",
                "--policy",
                policy.toString(),
                "--audit-dir",
                logs.dir.toString(),
                "--audit-key",
                logs.privateKey.toString());
        assertEquals(Main.EXIT_RETRY, r.code(), r.err());
        assertEquals(
                "p9gate serve: error: " + policy + ": VM 'v', share 's': directory " + missing + " does not exist"
                        + " (not mounted yet? exit 75, which the unit retries; else create it or correct the path)",
                onlyLine(r));
        assertFalse(Files.exists(logs.dir), "nothing opened: " + logs.dir);
    }

    @Test
    void aMissingShareOptionDirectoryExitsWithTheSameStatus() {
        Path missing = dir.resolve("late-disk/media");
        CliRun r = CliRun.of("serve", "--share", "a=" + missing, "--listen", "tcp:127.0.0.1:0");
        assertEquals(Main.EXIT_RETRY, r.code(), r.err());
        assertEquals(
                "p9gate serve: error: --share 'a=" + missing + "': directory " + missing + " does not exist"
                        + " (not mounted yet? exit 75, which the unit retries; else create it or correct the path)",
                onlyLine(r));
    }

    @Test
    void aShareThatIsAFileStaysAUsageError() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        Path policy = Files.writeString(
                dir.resolve("p.yaml"), OneSharePolicy.text(dir.resolve("v.sock"), file, "read-write"));
        CliRun r = CliRun.of("serve", "--policy", policy.toString());
        assertEquals(Main.EXIT_USAGE, r.code(), r.err());
        assertTrue(onlyLine(r).contains("directory " + file + " is not a directory"), r.err());
    }

    /**
     * A share not there yet must not hide another that never can be: the check stopped at the first missing one,
     * so with a later share naming a file (or a malformed --share) serve exited 75 and the unit restarted it every
     * 5 s for ever, saying only "does not exist"; the mistake came out only once the disk was mounted, and then the
     * gateway stopped for good.
     */
    @Test
    void aShareThatIsAFileIsAUsageErrorAlsoAfterAMissingOne() throws Exception {
        Path missing = dir.resolve("late-disk/media");
        Path file = Files.writeString(dir.resolve("file"), "x");
        CliRun r = CliRun.of("serve", "--share", "a=" + missing, "--share", "b=" + file, "--listen", "tcp:127.0.0.1:0");
        assertEquals(Main.EXIT_USAGE, r.code(), r.err());
        assertTrue(onlyLine(r).contains("directory " + file + " is not a directory"), r.err());

        Path policy = Files.writeString(
                dir.resolve("p.yaml"),
                OneSharePolicy.text(dir.resolve("v.sock"), missing, "read-write")
                        + "      t: {path: %s, access: read-write}\n".formatted(file));
        CliRun p = CliRun.of("serve", "--policy", policy.toString());
        assertEquals(Main.EXIT_USAGE, p.code(), p.err());
        assertTrue(onlyLine(p).contains("share 't': directory " + file + " is not a directory"), p.err());
    }
}
