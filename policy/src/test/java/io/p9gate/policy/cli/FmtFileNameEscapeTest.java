package io.p9gate.policy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code policy fmt} names each file it changed (with {@code --check}: would change) on a line of its own: a name
 * with a newline or an escape sequence is escaped as every other command escapes names. Before, it was printed
 * raw: {@code a\nb.yaml} read as two files to a script that reads the list, and an escape sequence reached the
 * terminal.
 */
class FmtFileNameEscapeTest {
    @TempDir
    Path dir;

    @Test
    void aChangedFileIsNamedOnOneLineEscaped() throws Exception {
        Path file = Files.writeString(dir.resolve("a\nb\u001b[2J.yaml"), "version: 1\n");
        Files.writeString(file, "version:   1");
        for (String mode : new String[] {"--check", "fmt"}) {
            CliRun r = mode.equals("--check")
                    ? CliRun.of("fmt", "--check", file.toString())
                    : CliRun.of("fmt", file.toString());
            assertEquals(dir + "/a\\nb\\x1b[2J.yaml\n", r.out(), mode + ": " + r.err());
        }
    }
}
