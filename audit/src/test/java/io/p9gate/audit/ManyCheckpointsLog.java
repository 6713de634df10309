package io.p9gate.audit;

import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.SigningKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A log as a busy gateway leaves it after a long time, in miniature: every decision is followed by a checkpoint
 * record and its signed note, so the sidecar has as many notes as the log has decisions. The offline commands are
 * run on it in a JVM of a small heap, where keeping every note's text does not fit.
 */
public record ManyCheckpointsLog(Path log, Path pub) {
    /** Writes {@code decisions} decisions, each with its checkpoint, into {@code dir/log}; the key pair beside it. */
    public static ManyCheckpointsLog write(Path dir, int decisions) throws Exception {
        SigningKey key = TestLogs.key("ecu-a-audit");
        Path log = dir.resolve("log");
        Path pub = dir.resolve("audit.pub");
        KeyFiles.writeKeyPair(key, dir.resolve("audit.key"), pub);
        try (AuditLog writer = AuditLog.open(
                log, key, TestLogs.options().withCheckpointEvery(Duration.ZERO).withCheckpointRecords(1))) {
            for (int i = 0; i < decisions; i++) {
                writer.append(TestLogs.decision(i));
            }
        }
        return new ManyCheckpointsLog(log, pub);
    }

    /** What {@code p9gate audit ARGS} printed (stdout and stderr together) and its exit status. */
    public record Run(int exit, String out) {}

    /** Runs {@code p9gate audit ARGS} in a JVM of {@code heap} (as for {@code -Xmx}). */
    public static Run audit(String heap, String... args) throws IOException, InterruptedException {
        return audit(List.of(), heap, args);
    }

    /** As {@link #audit(String, String...)}, the JVM started through {@code wrapper} (a command and its options). */
    public static Run audit(List<String> wrapper, String heap, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", // as ./p9gate starts it: the readers call fstatfs (FFM)
                "-Xmx" + heap,
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                "io.p9gate.audit.cli.AuditCommand"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out);
    }
}
