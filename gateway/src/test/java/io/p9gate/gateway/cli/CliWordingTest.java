package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.note.LinkLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    /**
     * A mistyped option hid behind the required one it missed: {@code certs --bogus} said "Missing required option:
     * '--dir=DIR'", as if the option were fine. Picocli checks the required options first; the unknown one is said.
     */
    @Test
    void anUnknownOptionIsSaidBeforeAMissingRequiredOne() {
        for (List<String> args : List.of(
                List.of("certs", "--bogus"),
                List.of("certs", "--dri", "/tmp/pki"),
                List.of("keys", "generate", "--bogus"),
                List.of("audit", "verify", "--bogus"),
                List.of("policy", "explain", "--bogus", "p.yaml"))) {
            CliRun run = CliRun.of(args.toArray(String[]::new));

            String command =
                    "p9gate " + String.join(" ", args.subList(0, args.get(0).equals("certs") ? 1 : 2));
            String option = args.get(args.get(0).equals("certs") ? 1 : 2);
            assertEquals(Main.EXIT_USAGE, run.code(), run.err());
            assertTrue(run.err().startsWith(command + ": error: Unknown option"), run.err()); // "options" for --dri DIR
            assertTrue(run.err().contains("'" + option + "'"), run.err());
            assertTrue(run.err().endsWith(" (see '" + command + " --help')\n"), run.err());
            assertEquals(1, run.err().lines().count(), run.err());
        }
    }

    /**
     * serve said a key it could not read with its path twice and the JDK's text, or no reason at all: "cannot read
     * audit key K: K" for a key the gateway's user may not read (checked by hand as uid 65534 through setpriv), "K: K:
     * Too many levels of symbolic links or unable to access attributes of symbolic link" for a loop of links (here).
     */
    @Test
    void serveSaysWhyItCannotReadTheAuditKey() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path key = Files.createSymbolicLink(tmp.resolve("audit.key"), tmp.resolve("audit.key"));

        CliRun run = CliRun.of(
                "serve",
                "--listen",
                "tcp:127.0.0.1:0",
                "--share",
                "a=" + share,
                "--audit-dir",
                tmp.resolve("audit").toString(),
                "--audit-key",
                key.toString());

        assertEquals(Main.EXIT_USAGE, run.code(), run.err());
        assertEquals(
                "p9gate serve: error: cannot read audit key " + key + ": " + LinkLoop.REASON
                        + " (see 'p9gate serve --help')\n",
                run.err());
    }
}
