package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.systemd.NotifySocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} in the environment a {@code Type=notify} unit gives it (issue 9 item 2): READY=1 only once the
 * listeners are bound and the audit log is open, a STATUS= per reload, STOPPING=1 on SIGTERM, watchdog pings;
 * stderr lines with journal priorities and no timestamps when stderr is the journal's stream.
 */
class ServeUnderSystemdTest {
    @TempDir
    Path dir;

    @Test
    void readyAfterTheListenersAreBoundThenStatusPerReloadThenStopping() throws Exception {
        SignedLogs logs = SignedLogs.in(dir);
        Path share = Files.createDirectories(dir.resolve("share"));
        Path vmSocket = dir.resolve("vm.sock");
        Path policy = Files.writeString(dir.resolve("policy.yaml"), OneSharePolicy.text(vmSocket, share, "read-only"));
        Files.setPosixFilePermissions(policy, PosixFilePermissions.fromString("rw-------"));
        Path pidFile = dir.resolve("p9gate.pid");
        Path stderr = Files.createFile(dir.resolve("journal-stream"));
        Map<String, Object> stream = Files.readAttributes(stderr, "unix:dev,ino");
        try (NotifySocket systemd = NotifySocket.at(dir.resolve("notify"));
                ServeProcess serve = ServeProcess.start(
                        Map.of(
                                "NOTIFY_SOCKET",
                                systemd.address,
                                "WATCHDOG_USEC",
                                "2000000",
                                "JOURNAL_STREAM",
                                stream.get("dev") + ":" + stream.get("ino")),
                        stderr,
                        "serve",
                        "--profile",
                        "production",
                        "--policy",
                        policy.toString(),
                        "--audit-dir",
                        logs.dir.toString(),
                        "--audit-key",
                        logs.privateKey.toString(),
                        "--audit-min-free",
                        "64MiB",
                        "--pid-file",
                        pidFile.toString())) {
            String ready = systemd.next();
            assertTrue(ready.startsWith("READY=1\nSTATUS=serving 1 VM(s) under policy sha256 "), ready);
            assertTrue(ready.endsWith("; audit log " + logs.dir), ready);
            assertTrue(Files.exists(vmSocket), "READY=1 comes after the VM's socket is bound");
            assertTrue(Files.exists(logs.dir.resolve("writer.lock")), "READY=1 comes after the audit log is open");
            assertEquals("WATCHDOG=1", systemd.nextWith("WATCHDOG"));

            Files.writeString(policy, OneSharePolicy.text(vmSocket, share, "sideways"));
            assertEquals(
                    Main.EXIT_FAILURE,
                    CliRun.of("policy", "reload", "--pid-file", pidFile.toString())
                            .code());
            assertTrue(systemd.nextWith("STATUS=").startsWith("STATUS=policy reload refused, keeping sha256 "));

            assertEquals(ServeProcess.EXIT_ON_SIGTERM, serve.stop());
            assertEquals(
                    "STOPPING=1\nSTATUS=stopping: closing sessions, final audit checkpoint",
                    systemd.nextWith("STOPPING"));
        }
        List<String> journal = Files.readAllLines(stderr);
        assertTrue(
                journal.stream().anyMatch(l -> l.startsWith("<4>io.p9gate.policy.PolicyHolder: policy reload refused")),
                String.join("\n", journal));
        assertTrue(journal.stream().allMatch(l -> l.matches("<[0-7]>.*")), "a priority on every line: " + journal);
        assertTrue(journal.stream().noneMatch(l -> l.matches("<[0-7]>\\d{4}-\\d\\d-\\d\\dT.*")), "no timestamps");
    }

    @Test
    void aRefusedStartIsOneErrorLineInTheJournal() throws Exception {
        Path stderr = Files.createFile(dir.resolve("journal-stream"));
        Map<String, Object> stream = Files.readAttributes(stderr, "unix:dev,ino");
        try (ServeProcess serve = ServeProcess.start(
                Map.of("JOURNAL_STREAM", stream.get("dev") + ":" + stream.get("ino")),
                stderr,
                "serve",
                "--profile",
                "production",
                "--share",
                "s=" + dir,
                "--listen",
                "unix:" + dir.resolve("s"))) {
            assertEquals(Main.EXIT_USAGE, serve.exitCode());
        }
        List<String> journal = Files.readAllLines(stderr);
        assertEquals(1, journal.size(), journal.toString());
        assertTrue(
                journal.getFirst().startsWith("<3>p9gate serve: error: production profile refuses to start: "),
                journal.toString());
    }
}
