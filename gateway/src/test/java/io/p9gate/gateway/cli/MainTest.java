package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad command lines: exit 2 and exactly one line on stderr, never a stack trace. */
class MainTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {}

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    private void assertUsageError(Run run, String expectedFragment) {
        assertEquals(Main.EXIT_USAGE, run.code(), run.err());
        String[] lines = run.err().strip().split("\n");
        assertEquals(1, lines.length, "one line on stderr: " + run.err());
        assertTrue(lines[0].contains(expectedFragment), lines[0]);
        assertFalse(run.err().contains("\tat "), "no stack trace");
    }

    @Test
    void missingListenIsAUsageError() {
        assertUsageError(run("serve", "--share", "a=" + dir), "--listen");
    }

    @Test
    void missingShareIsAUsageError() {
        assertUsageError(run("serve", "--listen", "tcp:127.0.0.1:0"), "--share");
    }

    @Test
    void shareMustBeADirectory() throws Exception {
        Path file = Files.createFile(dir.resolve("file"));
        assertUsageError(run("serve", "--share", "a=" + file, "--listen", "tcp:127.0.0.1:0"), "not a directory");
    }

    @Test
    void shareNameMustBeNonEmptyAndUnique() {
        assertUsageError(run("serve", "--share", "=" + dir, "--listen", "tcp:127.0.0.1:0"), "empty NAME");
        assertUsageError(
                run("serve", "--share", "a=" + dir, "--share", "a=" + dir, "--listen", "tcp:127.0.0.1:0"),
                "given twice");
        assertUsageError(run("serve", "--share", dir.toString(), "--listen", "tcp:127.0.0.1:0"), "NAME=DIR");
    }

    @Test
    void listenAddressMustParse() {
        assertUsageError(run("serve", "--share", "a=" + dir, "--listen", "udp:1.2.3.4:5"), "unknown listen address");
        assertUsageError(run("serve", "--share", "a=" + dir, "--listen", "tcp:127.0.0.1:99999"), "out of range");
    }

    @Test
    void msizeAndWorkersAreChecked() {
        assertUsageError(run("serve", "--share", "a=" + dir, "--listen", "tcp:127.0.0.1:0", "--msize", "100"), "msize");
        assertUsageError(
                run("serve", "--share", "a=" + dir, "--listen", "tcp:127.0.0.1:0", "--workers", "0"), "workers");
        assertUsageError(
                run("serve", "--share", "a=" + dir, "--listen", "tcp:127.0.0.1:0", "--msize", "big"), "--msize");
    }

    @Test
    void unknownOptionsAndMissingCommand() {
        assertUsageError(
                run("serve", "--share", "a=" + dir, "--listen", "tcp:127.0.0.1:0", "--frobnicate"), "frobnicate");
        assertUsageError(run(), "missing command");
        assertUsageError(run("nosuchcommand"), "nosuchcommand");
    }

    @Test
    void helpAndVersionExitZero() {
        Run help = run("serve", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--listen"), help.out());
        Run version = run("--version");
        assertEquals(0, version.code());
        assertTrue(version.out().startsWith("p9gate "), version.out());
    }

    /** An unknown option is refused wherever help is asked for, as the command itself refuses it. */
    @Test
    void helpRefusesUnknownOptions() {
        assertUsageError(run("help", "policy", "check", "--x"), "--x");
        assertUsageError(run("help", "policy", "--x", "check"), "--x");
        assertUsageError(run("help", "--x"), "--x");
        assertUsageError(run("help", "-x"), "-x");
        assertUsageError(run("help", "serve", "--help", "--x"), "--x");
        assertUsageError(run("--help", "--x"), "--x");
        assertUsageError(run("serve", "--help", "--x"), "--x");
        assertUsageError(run("policy", "check", "--help", "--x"), "--x");
        assertUsageError(run("audit", "verify", "--x", "--help"), "--x");
        assertUsageError(run("help", "policy", "check", "extra"), "extra");
    }

    @Test
    void helpFormsExitZero() {
        for (String[] args : new String[][] {
            {"help"}, {"help", "policy", "check"}, {"--help"}, {"policy", "check", "--help"}, {"help", "--help"}
        }) {
            Run help = run(args);
            assertEquals(0, help.code(), String.join(" ", args) + ": " + help.err());
            assertTrue(help.out().contains("Usage:"), help.out());
            assertEquals("", help.err());
        }
    }

    @Test
    void listenerThatCannotBindFailsWithOneLine() throws Exception {
        Path notSocket = Files.createFile(dir.resolve("plain-file"));
        Run run = run("serve", "--share", "a=" + dir, "--listen", "unix:" + notSocket);
        assertEquals(Main.EXIT_FAILURE, run.code(), run.err());
        assertEquals(1, run.err().strip().split("\n").length, run.err());
        assertTrue(run.err().contains("not a socket"), run.err());
        assertTrue(Files.isRegularFile(notSocket), "a non-socket file is never removed");
    }
}
