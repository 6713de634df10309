package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code audit show} over a large log with a filter that matches little or nothing said nothing for minutes (the
 * header, then silence). With {@code --progress} it draws the line the other commands draw, wiped before each row
 * it prints, so that on a terminal (stdout and stderr on one screen) no row is glued to a progress line.
 */
class ShowProgressTest {
    private static final String WIPE = "\r\033[K";

    @TempDir
    static Path tmp;

    static ReviewedLog reviewed;

    @BeforeAll
    static void writeLog() throws Exception {
        reviewed = ReviewedLog.withDecisions(tmp, 300);
    }

    /** stdout and stderr into one text, as a terminal shows them. */
    private static String onOneScreen(String... args) {
        StringWriter screen = new StringWriter();
        CommandLine cl = AuditCommand.commandLine(new AuditCommand());
        cl.setOut(new PrintWriter(screen, true));
        cl.setErr(new PrintWriter(screen, true));
        assertEquals(0, cl.execute(args), screen.toString());
        return screen.toString();
    }

    /** The screen without the progress lines that were wiped: what is left once each has been overwritten. */
    private static String withoutWipedLines(String screen) {
        return screen.replaceAll("\r\033\\[Kreading: [^\r\n\033]*(?=\r\033\\[K)", "")
                .replace(WIPE, "");
    }

    @Test
    void aFilterThatMatchesNothingShowsHowFarTheReadingIs() {
        CliRun quiet = CliRun.audit("show", "--log", reviewed.log().toString(), "--vm", "no-such-vm");
        CliRun shown = CliRun.audit("show", "--log", reviewed.log().toString(), "--vm", "no-such-vm", "--progress");
        assertEquals(0, shown.exit(), shown.err());
        assertEquals("", quiet.err());
        assertEquals(quiet.out(), shown.out(), "progress never touches stdout");
        assertTrue(shown.err().startsWith(WIPE + "reading: "), shown.err());
        assertTrue(shown.err().endsWith(WIPE), "the line is wiped at the end: " + shown.err());
    }

    @Test
    void noRowIsGluedToAProgressLine() {
        String quiet = onOneScreen("show", "--log", reviewed.log().toString());
        String shown = onOneScreen("show", "--log", reviewed.log().toString(), "--progress");
        assertTrue(shown.contains("reading: "), "progress was drawn");
        assertEquals(quiet, withoutWipedLines(shown));
    }

    /** A warning (every command's "skipping unreadable line") is not glued to the line either. */
    @Test
    void noWarningIsGluedToAProgressLine() throws Exception {
        ReviewedLog damaged =
                ReviewedLog.withDecisions(java.nio.file.Files.createDirectories(tmp.resolve("damaged")), 300);
        Path segment = io.p9gate.audit.read.LogDirectory.segments(damaged.log()).get(2);
        java.nio.file.Files.writeString(segment, "not a record\n", java.nio.file.StandardOpenOption.APPEND);
        String quiet = onOneScreen("show", "--log", damaged.log().toString(), "--vm", "no-such-vm");
        String shown = onOneScreen("show", "--log", damaged.log().toString(), "--vm", "no-such-vm", "--progress");
        assertTrue(quiet.contains("warning: skipping unreadable line"), quiet);
        assertTrue(shown.contains("reading: "), "progress was drawn");
        assertEquals(quiet, withoutWipedLines(shown));
    }
}
