package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file that is not there is said in one wording by every command, {@code FILE: no such file or directory}, as
 * docs/cli.md promises. Before, the policy commands said {@code FILE: cannot read: no such file}, and the audit
 * commands {@code no such key file: FILE}, {@code no such pin file: FILE}, {@code no such proof file: FILE}, {@code
 * no such audit directory: FILE} or {@code no such log directory: FILE}, beside keys generate's {@code FILE: no such
 * file or directory}.
 */
class MissingFileWordingTest {
    @TempDir
    Path tmp;

    @Test
    void everyCommandSaysAMissingFileInOneWording() throws Exception {
        Path missing = tmp.resolve("missing");
        Path log = Files.createDirectory(tmp.resolve("log"));
        Path pub = tmp.resolve("audit.pub");
        KeyFiles.writeKeyPair(
                SigningKey.generate("ecu-a-audit", new java.security.SecureRandom()), tmp.resolve("audit.key"), pub);
        String m = missing.toString();
        List<List<String>> commands = List.of(
                List.of("policy", "check", m),
                List.of("policy", "test", m),
                List.of("policy", "fmt", m),
                List.of("policy", "replay", "--no-verify", "--log", m, "--policy", m),
                List.of("audit", "verify", "--log", log.toString(), "--key", m),
                List.of("audit", "verify", "--log", log.toString(), "--key", pub.toString(), "--pin", m),
                List.of("audit", "verify", "--log", m, "--key", pub.toString()),
                List.of("audit", "show", "--log", m),
                List.of("audit", "check-proof", "--key", pub.toString(), m),
                List.of(
                        "keys",
                        "generate",
                        "--name",
                        "k",
                        "--out",
                        missing.resolve("audit").toString()));
        List<Executable> checks = new ArrayList<>();
        for (List<String> args : commands) {
            checks.add(() -> {
                CliRun run = CliRun.of(args.toArray(String[]::new));
                String said = String.join(" ", args) + ": " + run.err();
                assertNotEquals(0, run.code(), said);
                assertEquals(1, run.err().lines().count(), said);
                assertTrue(
                        run.err()
                                .matches("(?s)p9gate [a-z -]+: error: " + m + "(/audit\\.key)?"
                                        + ": no such file or directory( \\(.*\\))?\n"),
                        said);
            });
        }
        assertAll(checks);
    }
}
