package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.policyadapter.ReloadOutcomeFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pid file (and its outcome file) outlive a gateway that died without its exit hooks (SIGKILL, the OOM killer),
 * and the kernel hands the pid to another process: {@code policy reload} sent SIGHUP to it, which ends most
 * programs. The process must be the gateway that the pid file is for: {@code p9gate serve ... --pid-file FILE}.
 */
class PolicyReloadPidTest {
    @TempDir
    Path dir;

    @Test
    void aPidThatIsNotTheGatewayIsNotSignalled() throws Exception {
        // Another program's arguments may hold secrets (a password, a token): only its program name is printed.
        Process other = new ProcessBuilder("sh", "-c", "sleep 60", "password=hunter2").start();
        try {
            Path pidFile = Files.writeString(dir.resolve("p9gate.pid"), other.pid() + "\n");
            ReloadOutcomeFile.write(
                    ReloadOutcomeFile.beside(pidFile),
                    new ReloadOutcomeFile.Outcome(other.pid(), 0, true, "sha256:0", "", List.of()));
            CliRun run = CliRun.of("policy", "reload", "--pid-file", pidFile.toString());
            assertEquals(Main.EXIT_FAILURE, run.code(), run.err());
            assertEquals(
                    "p9gate policy reload: error: pid " + other.pid() + " (from " + pidFile + ") is not the gateway"
                            + " that wrote it: its program is 'sh', not 'p9gate serve ... --pid-file "
                            + pidFile + "' (a pid file left by a gateway that died, its pid reused?); no signal"
                            + " sent\n",
                    run.err());
            assertFalse(other.waitFor(2, TimeUnit.SECONDS), "the process was signalled (SIGHUP ended it)");
        } finally {
            other.destroyForcibly();
        }
    }

    private static final Path PID = Path.of("/run/p9gate/p9gate.pid");

    @Test
    void theGatewayIsServeWithThisPidFile() {
        Path cwd = Path.of("/");
        List<String> packaged = List.of(
                "/usr/lib/p9gate/runtime/bin/java",
                "-XX:+ExitOnOutOfMemoryError",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                "/usr/lib/p9gate/lib/*",
                "io.p9gate.gateway.cli.Main",
                "serve",
                "--profile",
                "production",
                "--policy",
                "/etc/p9gate/policy.yaml",
                "--pid-file",
                "/run/p9gate/p9gate.pid");
        assertTrue(GatewayProcess.isServeWith(packaged, cwd, PID));
        List<String> joined = packaged.stream()
                .filter(a -> !a.equals("--pid-file"))
                .map(a -> a.equals("/run/p9gate/p9gate.pid") ? "--pid-file=" + a : a)
                .toList();
        assertTrue(GatewayProcess.isServeWith(joined, cwd, PID), "--pid-file=FILE");
        assertTrue(
                GatewayProcess.isServeWith(
                        List.of("java", "io.p9gate.gateway.cli.Main", "serve", "--pid-file", "p9gate.pid"),
                        Path.of("/run/p9gate"),
                        PID),
                "relative to the gateway's working directory");
        assertFalse(
                GatewayProcess.isServeWith(
                        List.of("java", "io.p9gate.gateway.cli.Main", "serve", "--pid-file", "/run/other.pid"),
                        cwd,
                        PID),
                "another gateway's pid file");
        assertFalse(
                GatewayProcess.isServeWith(
                        List.of("java", "io.p9gate.gateway.cli.Main", "demo", "--pid-file", PID.toString()), cwd, PID),
                "not serve");
        assertFalse(
                GatewayProcess.isServeWith(
                        List.of("java", "other.Main", "serve", "--pid-file", PID.toString()), cwd, PID),
                "not p9gate");
        assertFalse(GatewayProcess.isServeWith(List.of(), cwd, PID), "a zombie's empty command line");
    }
}
