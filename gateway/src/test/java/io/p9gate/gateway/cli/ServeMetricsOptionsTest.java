package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.auditing.SignedLogs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** serve --metrics in every profile: it needs the audit log it counts, and no share may reach its socket. */
class ServeMetricsOptionsTest {
    @TempDir
    Path dir;

    @Test
    void metricsWithoutAnAuditLogIsAUsageError() {
        CliRun run = CliRun.of(
                "serve",
                "--share",
                "s=" + dir,
                "--listen",
                "unix:" + dir.resolve("vm.sock"),
                "--metrics",
                "unix:" + dir.resolve("metrics.sock"));
        assertEquals(Main.EXIT_USAGE, run.code());
        assertTrue(run.err().contains("--metrics counts what the audit log records"), run.err());
    }

    @Test
    void aMetricsSocketInsideAShareIsRefused() throws Exception {
        SignedLogs logs = SignedLogs.in(dir);
        Path share = Files.createDirectories(dir.resolve("share"));
        // A plain file where the VM's socket goes: were the socket let through, the bind fails instead of serving.
        Path notSocket = Files.createFile(dir.resolve("vm.sock"));
        CliRun run = CliRun.of(
                "serve",
                "--share",
                "s=" + share,
                "--listen",
                "unix:" + notSocket,
                "--audit-dir",
                logs.dir.toString(),
                "--audit-key",
                logs.privateKey.toString(),
                "--metrics",
                "unix:" + share.resolve("metrics.sock"));
        assertEquals(Main.EXIT_USAGE, run.code(), run.err());
        assertTrue(run.err().contains("metrics socket"), run.err());
        assertTrue(run.err().contains("R-POL-9"), run.err());
    }

    @Test
    void aBadAddressIsAUsageError() {
        CliRun run = CliRun.of(
                "serve",
                "--share",
                "s=" + dir,
                "--listen",
                "unix:" + dir.resolve("vm.sock"),
                "--audit-dir",
                dir.resolve("audit").toString(),
                "--audit-key",
                dir.resolve("k").toString(),
                "--metrics",
                "9464");
        assertEquals(Main.EXIT_USAGE, run.code());
        assertTrue(run.err().contains("metrics address must be unix:PATH or tcp:HOST:PORT, not '9464'"), run.err());
    }
}
