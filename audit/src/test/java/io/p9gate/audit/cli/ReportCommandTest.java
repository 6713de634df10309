package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.read.LogDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: {@code audit report --html} says whether the log verified and why not, exits as {@code verify} does,
 * and writes a page that fetches and runs nothing, with guests' paths as text. The counts against {@code stats}
 * are checked in a browser ({@link AuditReportBrowserTest}).
 */
class ReportCommandTest {
    @TempDir
    Path tmp;

    ReviewedLog reviewed;
    Path page;

    @BeforeEach
    void writeLog() throws Exception {
        reviewed = ReviewedLog.in(tmp);
        ReportedLog.write(reviewed);
        page = tmp.resolve("report.html");
    }

    private CliRun report(String... more) {
        List<String> args = new java.util.ArrayList<>(List.of(
                "report", "--html", page.toString(), "--log", reviewed.log().toString()));
        args.addAll(List.of(more));
        return CliRun.audit(args.toArray(String[]::new));
    }

    @Test
    void anIntactLogIsReportedVerified() throws Exception {
        CliRun r = report("--key", reviewed.pub().toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.out() + r.err(), "the page is the output");
        String html = Files.readString(page);
        assertTrue(html.contains("<strong id=\"verification\">OK: "), html);
    }

    @Test
    void aTamperedLogIsReportedWithTheFindingAndVerifysExitCode() throws Exception {
        Path seg = LogDirectory.segments(reviewed.log()).get(1);
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(seg));
        lines.set(2, lines.get(2).replace("/data/", "/DATA/"));
        Files.write(seg, lines);
        CliRun r = report("--key", reviewed.pub().toString());
        assertEquals(3, r.exit(), "MODIFIED, as 'audit verify' says: " + r.err());
        assertTrue(r.err().contains("the log did not verify"), r.err());
        String html = Files.readString(page);
        assertTrue(html.contains("<strong id=\"verification\">TAMPERED: "), html);
        assertTrue(html.contains("<li>MODIFIED: record "), "the reason is on the page: " + html);
    }

    @Test
    void withoutAKeyThePageSaysItIsNotVerified() throws Exception {
        CliRun r = report();
        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.readString(page).contains("<strong id=\"verification\">NOT VERIFIED: no --key given"));
    }

    @Test
    void aWrongKeyIsSaidOnce() throws Exception {
        KeyFiles.writeKeyPair(TestLogs.key("someone-else"), tmp.resolve("other.key"), tmp.resolve("other.pub"));
        CliRun r = report("--key", tmp.resolve("other.pub").toString());
        assertEquals(9, r.exit());
        String html = Files.readString(page);
        assertTrue(html.contains("this log is not signed by that key"), html);
        assertFalse(html.contains("<li>UNKNOWN_KEY"), html);
    }

    @Test
    void thePageFetchesAndRunsNothingAndShowsGuestPathsAsText() throws Exception {
        report("--key", reviewed.pub().toString());
        String html = Files.readString(page);
        for (String external :
                List.of("<script", "src=\"", "href=\"", "@import", "url(", "<link", "<img", "<iframe", "<object")) {
            assertFalse(html.contains(external), "nothing fetched or run: " + external);
        }
        assertTrue(html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'\""), "CSP: no script");
        assertTrue(html.contains("/&lt;script&gt;alert(1)&lt;/script&gt;"), html);
        assertTrue(html.contains("/x&quot;&gt;&lt;img id=&quot;injected&quot;"), html);
    }

    @Test
    void badInputIsOneLine() {
        CliRun missingLog = CliRun.audit(
                "report",
                "--html",
                page.toString(),
                "--log",
                tmp.resolve("nope").toString());
        assertEquals(2, missingLog.exit());
        assertTrue(missingLog.oneLineError(), missingLog.err());
        CliRun unwritable = CliRun.audit(
                "report",
                "--html",
                tmp.resolve("no/such/dir/r.html").toString(),
                "--log",
                reviewed.log().toString());
        assertTrue(unwritable.oneLineError(), unwritable.err());
        assertEquals(2, unwritable.exit()); // a directory that is not there: bad input
        CliRun noHtml = CliRun.audit("report", "--log", reviewed.log().toString());
        assertEquals(2, noHtml.exit());
        assertTrue(noHtml.oneLineError(), noHtml.err());
    }

    /**
     * A page that cannot be written is said before the log is read, with nothing drawn: before, report verified
     * and summed up the whole log (minutes on a large one) and only then found the directory missing.
     */
    @Test
    void aPageThatCannotBeWrittenIsSaidBeforeTheLogIsRead() throws Exception {
        for (Path bad : List.of(tmp.resolve("no-such-dir").resolve("report.html"), tmp)) {
            CliRun r = CliRun.audit(
                    "report",
                    "--html",
                    bad.toString(),
                    "--log",
                    reviewed.log().toString(),
                    "--key",
                    reviewed.pub().toString(),
                    "--progress");
            assertEquals(2, r.exit(), r.err());
            assertTrue(r.oneLineError(), r.err());
            assertTrue(r.err().contains(bad.toString()), r.err());
            assertFalse(r.err().contains("verifying"), "nothing was read: " + r.err());
        }
    }
}
