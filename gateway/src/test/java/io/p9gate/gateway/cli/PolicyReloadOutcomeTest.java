package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code p9gate policy reload} waits for the running gateway's verdict and reports it (issue 9 item 2, what
 * systemd's ExecReload runs): exit 0 when the new file was taken, exit 1 with the reason when it was refused,
 * so {@code systemctl reload} fails instead of pretending.
 */
class PolicyReloadOutcomeTest {
    @TempDir
    Path dir;

    private static CliRun reload(Path pidFile) {
        return CliRun.of("policy", "reload", "--pid-file", pidFile.toString());
    }

    private String policy(String access) {
        return OneSharePolicy.text(dir.resolve("v.sock"), dir.resolve("share"), access);
    }

    /** A parent that ignores SIGHUP and also blocks it (its signal mask), then execs its arguments. */
    private static final List<String> SIGHUP_IGNORED_AND_BLOCKED = List.of(
            "perl",
            "-MPOSIX",
            "-e",
            "$SIG{HUP} = 'IGNORE'; sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGHUP)) or die; exec @ARGV or die");

    /**
     * Also in a gateway started with SIGHUP ignored ({@code nohup}, a parent that ignores it), as its start line
     * says: before, the JVM installed no handler for a signal ignored at its start and said nothing, every reload
     * was lost and {@code policy reload} waited 60 s for an outcome. And with SIGHUP ignored and blocked too: the
     * JVM unblocks in its threads only the signals it handles from the start, so a handler installed later never ran
     * (the signal stayed pending).
     */
    @ParameterizedTest(name = "started by: {0}")
    @ValueSource(strings = {"", "nohup", "ignored-and-blocked"})
    void aTakenReloadExitsZeroAndARefusedOneExitsOneWithTheReason(String parent) throws Exception {
        Files.createDirectories(dir.resolve("share"));
        Path policy = Files.writeString(dir.resolve("policy.yaml"), policy("read-only"));
        Path pidFile = dir.resolve("p9gate.pid");
        List<String> wrapper = switch (parent) {
            case "" -> List.of();
            case "nohup" -> List.of("nohup");
            default -> SIGHUP_IGNORED_AND_BLOCKED;
        };
        try (ServeProcess serve = ServeProcess.startUnder(
                wrapper, "serve", "--policy", policy.toString(), "--pid-file", pidFile.toString())) {
            serve.awaitStdout("SIGHUP reloads it");

            Files.writeString(policy, policy("read-write"));
            CliRun taken = reload(pidFile);
            assertEquals(0, taken.code(), taken.err());
            assertTrue(taken.out().contains("policy reloaded"), taken.out());

            Files.writeString(policy, policy("sideways"));
            CliRun refused = reload(pidFile);
            assertEquals(Main.EXIT_FAILURE, refused.code(), refused.out());
            assertEquals(1, refused.err().strip().lines().count(), "one line: " + refused.err());
            assertTrue(refused.err().contains("refused") && refused.err().contains("policy.yaml:"), refused.err());

            Files.writeString(policy, policy("read-only"));
            assertEquals(0, reload(pidFile).code(), "a later good file is taken again");
            assertEquals(ServeProcess.EXIT_ON_SIGTERM, serve.stop(), serve.stderr());
        }
    }

    /**
     * What the gateway warns about a policy it takes (here: the VM's socket directory became writable by others
     * without the sticky bit) reaches the operator who ran the reload, not only the gateway's log; the reload is
     * still taken.
     */
    @Test
    void aTakenReloadShowsTheGatewaysWarningsAboutTheNewPolicy() throws Exception {
        Files.createDirectories(dir.resolve("share"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Path policy = Files.writeString(dir.resolve("policy.yaml"), policy("read-only"));
        Path pidFile = dir.resolve("p9gate.pid");
        try (ServeProcess serve = ServeProcess.start(
                Map.of(), "serve", "--policy", policy.toString(), "--pid-file", pidFile.toString())) {
            serve.awaitStdout("SIGHUP reloads it");
            CliRun quiet = reload(pidFile);
            assertEquals(0, quiet.code(), quiet.err());
            assertEquals("", quiet.err(), "no warning about a directory only the gateway's user may write");

            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            Files.writeString(policy, policy("read-write"));
            CliRun taken = reload(pidFile);
            assertEquals(0, taken.code(), taken.err());
            assertTrue(taken.out().contains("policy reloaded"), taken.out());
            assertEquals(1, taken.err().strip().lines().count(), "one warning line: " + taken.err());
            assertTrue(
                    taken.err().startsWith("p9gate: WARNING: Unix socket directory " + dir + ": ")
                            && taken.err().contains("without the sticky bit"),
                    taken.err());
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            assertEquals(ServeProcess.EXIT_ON_SIGTERM, serve.stop(), serve.stderr());
        }
    }
}
