package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One error line worded as the other commands word it (docs/cli.md, "Conventions"). */
class CliWordingTest {
    @TempDir
    Path tmp;

    /** keys generate said "no such file or directory: PATH", every other file error "PATH: reason". */
    @Test
    void keysGenerateNamesAMissingDirectoryAsTheOtherCommandsDo() {
        Path prefix = tmp.resolve("missing").resolve("audit");

        CliRun run = CliRun.of("keys", "generate", "--name", "ecu-a-audit", "--out", prefix.toString());

        assertEquals(1, run.code(), run.err());
        assertEquals("p9gate keys generate: error: " + prefix + ".key: no such file or directory\n", run.err());
    }
}
