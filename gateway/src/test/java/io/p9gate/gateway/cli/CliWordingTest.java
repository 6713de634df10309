package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.note.LinkLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
     * Then "cannot read audit key K: REASON" for a loop and "audit key: K: is a directory (not a key file)" for a
     * directory: two shapes beside the one every other command prints, {@code FILE: REASON (what was expected)}.
     */
    @Test
    void serveSaysWhyItCannotReadTheAuditKey() throws Exception {
        Path loop = Files.createSymbolicLink(tmp.resolve("audit.key"), tmp.resolve("audit.key"));
        Path directory = Files.createDirectories(tmp.resolve("keys"));

        assertEquals(
                "p9gate serve: error: " + loop + ": " + LinkLoop.REASON + " (not a key file)"
                        + " (see 'p9gate serve --help')\n",
                serveWithAuditKey(loop).err());
        assertEquals(
                "p9gate serve: error: " + directory + ": is a directory (not a key file)"
                        + " (see 'p9gate serve --help')\n",
                serveWithAuditKey(directory).err());
    }

    private CliRun serveWithAuditKey(Path key) throws Exception {
        return serveOneShare("--audit-dir", tmp.resolve("audit").toString(), "--audit-key", key.toString());
    }

    /** {@code serve} of one share, a new directory, on a TCP port, with {@code options}: to exit 2. */
    private CliRun serveOneShare(String... options) throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        List<String> args = new ArrayList<>(List.of("serve", "--listen", "tcp:127.0.0.1:0", "--share", "a=" + share));
        args.addAll(List.of(options));
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertEquals(Main.EXIT_USAGE, run.code(), run.err());
        return run;
    }

    /** serve said "cannot read TLS file F: no such file or directory", where every other command says "F: REASON". */
    @Test
    void serveSaysAMissingTlsFileAsTheOtherCommandsDo() throws Exception {
        Path missing = tmp.resolve("server-crt.pem");

        CliRun run = serveOneShare("--tls-cert", missing.toString(), "--tls-key", missing.toString());

        assertEquals(
                "p9gate serve: error: " + missing + ": no such file or directory (see 'p9gate serve --help')\n",
                run.err());
    }

    /**
     * A share directory that is a loop of links was left to the share's open, which said it in the JDK's words, "share
     * 'a' (L): Too many levels of symbolic links", not as every command says a loop of links.
     */
    @Test
    void serveSaysAShareThatIsALoopOfLinksAsTheOtherCommandsDo() throws Exception {
        Path loop = Files.createSymbolicLink(tmp.resolve("share"), tmp.resolve("share"));

        CliRun run = CliRun.of("serve", "--listen", "tcp:127.0.0.1:0", "--share", "a=" + loop);

        assertEquals(Main.EXIT_USAGE, run.code(), run.err());
        assertEquals(
                "p9gate serve: error: --share 'a=" + loop + "': " + loop + ": " + LinkLoop.REASON
                        + " (correct the share's path) (see 'p9gate serve --help')\n",
                run.err());
    }
}
