package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator's mistaken --policy: a directory, a fifo (nothing writes it), a huge file. Each command says so in one
 * line and exits non-zero, promptly, with no stack trace.
 */
class PolicyFileKindsTest {
    @TempDir
    Path dir;

    @Test
    void aPolicyThatIsNoFileIsOneLineAndNonZero() throws Exception {
        Path directory = Files.createDirectories(dir.resolve("policy.d"));
        Path fifo = dir.resolve("policy.fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Path huge = dir.resolve("huge.yaml");
        try (var out = Files.newBufferedWriter(huge)) {
            for (int i = 0; i < 2_000_000; i++) {
                out.write("# padding padding padding padding padding padding\n");
            }
        }
        for (Path policy : List.of(directory, fifo, huge)) {
            for (List<String> args : List.of(
                    List.of("policy", "check", policy.toString()),
                    List.of("serve", "--policy", policy.toString()),
                    List.of(
                            "package",
                            "--policy",
                            policy.toString(),
                            "--out",
                            dir.resolve("out").toString(),
                            "--app",
                            dir.toString()))) {
                CliRun run = assertTimeoutPreemptively(
                        Duration.ofSeconds(20), () -> CliRun.of(args.toArray(String[]::new)), args.toString());
                assertNotEquals(0, run.code(), args + ": " + run.err());
                assertEquals(1, run.err().strip().lines().count(), args + ": " + run.err());
                assertFalse(run.err().contains("\tat "), run.err());
            }
        }
    }
}
