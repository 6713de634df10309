package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: {@code export} and {@code prove} show progress on stderr with {@code --progress} (or on a terminal;
 * the tests' stderr is a pipe), and stdout is the same with or without it.
 */
class ProgressOptionTest {
    @TempDir
    static Path tmp;

    static ReviewedLog reviewed;

    @BeforeAll
    static void writeLog() throws Exception {
        reviewed = ReviewedLog.in(tmp);
        reviewed.openWithDecisions(200).close();
    }

    private static void assertProgressOnlyOnStderr(String doing, String... args) {
        CliRun quiet = CliRun.audit(args);
        assertEquals(0, quiet.exit(), quiet.err());
        assertEquals("", quiet.err(), "no progress when stderr is no terminal and --progress is not given");
        String[] withProgress = java.util.Arrays.copyOf(args, args.length + 1);
        withProgress[args.length] = "--progress";
        CliRun shown = CliRun.audit(withProgress);
        assertEquals(0, shown.exit(), shown.err());
        assertEquals(quiet.out(), shown.out(), "progress never touches stdout");
        assertTrue(shown.err().startsWith("\r\033[K" + doing + ": "), shown.err());
        assertTrue(shown.err().endsWith("\r\033[K"), "the line is wiped at the end: " + shown.err());
    }

    @Test
    void exportShowsProgress() {
        assertProgressOnlyOnStderr(
                "exporting", "export", "--log", reviewed.log().toString(), "--format", "jsonl", "--vm", "vm-a");
    }

    @Test
    void proveShowsProgress() {
        assertProgressOnlyOnStderr(
                "reading", "prove", "7", "--log", reviewed.log().toString());
    }

    @Test
    void verifyShowsProgress() {
        assertProgressOnlyOnStderr(
                "verifying",
                "verify",
                "--log",
                reviewed.log().toString(),
                "--key",
                reviewed.pub().toString());
    }

    /** Before, report (verify, then a pass to sum up) had no --progress: minutes without a word on a large log. */
    @Test
    void reportShowsProgress() {
        assertProgressOnlyOnStderr(
                "verifying",
                "report",
                "--html",
                tmp.resolve("report.html").toString(),
                "--log",
                reviewed.log().toString(),
                "--key",
                reviewed.pub().toString());
    }

    /** Before, stats read the whole log without a word and had no --progress ("Unknown option"). */
    @Test
    void statsShowsProgress() {
        assertProgressOnlyOnStderr(
                "summing up", "stats", "--log", reviewed.log().toString(), "--vm", "vm-a");
    }
}
