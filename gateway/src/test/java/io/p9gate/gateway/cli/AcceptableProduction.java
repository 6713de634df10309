package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.auditing.SignedLogs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * An acceptable {@code serve --profile production} configuration in a test directory: a private policy with one VM
 * and one share, a signed audit log with a disk budget. A plain file stands where the VM's socket goes: a start the
 * profile lets through fails at the bind ("not a socket") and returns instead of serving forever.
 */
final class AcceptableProduction {
    final SignedLogs logs;
    final Path share;
    final Path notSocket;
    final Path policy;

    private AcceptableProduction(SignedLogs logs, Path share, Path notSocket, Path policy) {
        this.logs = logs;
        this.share = share;
        this.notSocket = notSocket;
        this.policy = policy;
    }

    static AcceptableProduction in(Path dir) throws Exception {
        SignedLogs logs = SignedLogs.in(dir);
        Path share = Files.createDirectories(dir.resolve("share"));
        Path notSocket = Files.createFile(dir.resolve("vm.sock"));
        Path policy = writePrivate(dir.resolve("policy.yaml"), OneSharePolicy.text(notSocket, share, "read-write"));
        return new AcceptableProduction(logs, share, notSocket, policy);
    }

    static Path writePrivate(Path file, String text) throws Exception {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    /** {@code p9gate serve OPTIONS}, in this JVM. */
    static CliRun serve(String... options) {
        String[] args = new String[options.length + 1];
        args[0] = "serve";
        System.arraycopy(options, 0, args, 1, options.length);
        return CliRun.of(args);
    }

    /** A refusal by the profile: one line naming {@code why}, exit 2, no stack trace, nothing opened. */
    void assertRefused(CliRun run, String why) {
        assertEquals(Main.EXIT_USAGE, run.code(), run.err());
        assertEquals(1, run.err().strip().lines().count(), "one line: " + run.err());
        assertTrue(run.err().contains("production profile refuses to start: "), run.err());
        assertTrue(run.err().contains(why), run.err());
        assertFalse(run.err().contains("\tat "), "no stack trace");
        assertFalse(Files.exists(logs.dir), "nothing is opened before the profile agrees");
    }

    /** The options of serve (without the command's name) for this configuration, then {@code extra}. */
    String[] options(String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "--profile",
                "production",
                "--policy",
                policy.toString(),
                "--audit-dir",
                logs.dir.toString(),
                "--audit-key",
                logs.privateKey.toString(),
                "--audit-min-free",
                "64MiB"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }
}
