package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.SignedNote;
import io.p9gate.audit.read.LogDirectory;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records after the last signed checkpoint (a crash before the next signature, or notes removed from the sidecar)
 * are not covered by any signature: someone with disk access could have changed them and no verifier could prove
 * it. {@code audit show} says which records those are.
 */
class UnsignedTailTest {
    @TempDir
    Path tmp;

    ReviewedLog reviewed;
    long records;
    long signed;

    @BeforeEach
    void writeLog() throws Exception {
        reviewed = ReviewedLog.in(tmp);
        reviewed.openWithDecisions(60).close();
        records = storedLines().size();
        // Drop the final notes (close's and the last count checkpoint): the records after the one left are unsigned.
        Path sidecar = LogDirectory.checkpointsFile(reviewed.log());
        List<String> notes = Files.readAllLines(sidecar, StandardCharsets.UTF_8);
        Files.write(sidecar, notes.subList(0, notes.size() - 2), StandardCharsets.UTF_8);
        signed = lastSize();
        assertTrue(signed > 0 && signed < records - 10, signed + " of " + records);
    }

    private long lastSize() throws Exception {
        var e = TestLogs.checkpoints(reviewed.log()).getLast();
        return Checkpoint.parse(SignedNote.parse(e.noteText()).body()).size();
    }

    private List<String> storedLines() throws Exception {
        StringBuilder stored = new StringBuilder();
        for (Path s : LogDirectory.segments(reviewed.log())) {
            stored.append(Files.readString(s));
        }
        return stored.toString().lines().toList();
    }

    private static String trailer(long n, long seq) {
        return "-- " + n + " records after the last checkpoint in checkpoints.jsonl (seq " + seq
                + " and later; signatures not checked here: run p9gate audit verify) --";
    }

    private static String boundary(long seq) {
        return "seq " + seq + " and later: after the last checkpoint in checkpoints.jsonl"
                + " (signatures not checked here: run p9gate audit verify)";
    }

    /** Appends the last note with its size replaced: a note whose signature cannot hold. */
    private void appendForgedNote(long size) throws Exception {
        String text = TestLogs.checkpoints(reviewed.log()).getLast().noteText();
        String forged = text.replaceFirst("\n" + signed + "\n", "\n" + size + "\n");
        assertNotEquals(text, forged);
        Files.writeString(
                LogDirectory.checkpointsFile(reviewed.log()),
                new ObjectMapper().createObjectNode().put("note", forged) + "\n",
                StandardOpenOption.APPEND);
    }

    @Test
    void theTableMarksWhereTheUnsignedRecordsBeginAndCountsThem() {
        CliRun r = CliRun.audit("show", "--log", reviewed.log().toString());
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(trailer(records - signed, signed), lines.getLast(), r.out());
        int boundary = lines.indexOf("-- " + boundary(signed) + " --");
        assertTrue(boundary > 0, r.out());
        assertTrue(lines.get(boundary - 1).startsWith((signed - 1) + " "), r.out());
        assertTrue(lines.get(boundary + 1).startsWith(signed + " "), r.out());
        assertEquals(1 + records + 2, lines.size(), "header, rows, boundary and trailer:\n" + r.out());
    }

    @Test
    void filtersCountOnlyTheRecordsShown() throws Exception {
        CliRun all = CliRun.audit("show", "--log", reviewed.log().toString(), "--vm", "vm-a");
        long shown = all.out()
                .lines()
                .filter(l -> l.matches("\\d+ .*"))
                .filter(l -> Long.parseLong(l.substring(0, l.indexOf(' '))) >= signed)
                .count();
        assertTrue(shown > 0 && shown < records - signed, all.out());
        assertTrue(all.out().endsWith(trailer(shown, signed) + "\n"), all.out());
    }

    @Test
    void jsonKeepsTheStoredLinesAndSaysItOnStderr() throws Exception {
        CliRun r = CliRun.audit("show", "--log", reviewed.log().toString(), "--format", "json");
        assertEquals(0, r.exit(), r.err());
        assertEquals(storedLines(), r.out().lines().toList(), "stdout stays the stored, verifiable lines");
        assertEquals(
                "p9gate audit show: warning: " + (records - signed) + " records shown (seq " + signed
                        + " and later) come after the last checkpoint in checkpoints.jsonl (signatures not checked"
                        + " here: run p9gate audit verify)\n",
                r.err());
    }

    @Test
    void aNoteClaimingMoreRecordsThanTheLogHoldsIsNamedNotTrusted() throws Exception {
        appendForgedNote(999_999_999);
        CliRun r = CliRun.audit("show", "--log", reviewed.log().toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(
                "-- checkpoints.jsonl claims 999999999 records, the log holds " + records
                        + ": run p9gate audit verify --",
                r.out().lines().toList().getLast(),
                r.out());
        CliRun json = CliRun.audit("show", "--log", reviewed.log().toString(), "--format", "json");
        assertEquals(
                "p9gate audit show: warning: checkpoints.jsonl claims 999999999 records, the log holds " + records
                        + ": run p9gate audit verify\n",
                json.err());
    }

    @Test
    void followMarksRecordsPastTheLogsEndAfterAClaimTooLarge() throws Exception {
        appendForgedNote(records + 5);
        StringWriter out = new StringWriter();
        var cl = AuditCommand.commandLine(new AuditCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(new StringWriter(), true));
        Thread follower = Thread.ofPlatform()
                .start(() -> cl.execute("show", "--log", reviewed.log().toString(), "--follow", "--poll-ms", "20"));
        try {
            waitFor(out, "-- checkpoints.jsonl claims " + (records + 5) + " records, the log holds " + records);
            // One more record (the last one's line with the next seq): no note covers it, whatever the sidecar claims.
            Path segment = LogDirectory.segments(reviewed.log()).getLast();
            String last = Files.readString(segment).lines().toList().getLast();
            String next = last.replaceFirst("\"seq\":" + (records - 1) + ",", "\"seq\":" + records + ",");
            assertNotEquals(last, next);
            Files.writeString(segment, next + "\n", StandardOpenOption.APPEND);
            waitFor(out, "-- " + boundary(records) + " --");
        } finally {
            follower.interrupt();
            follower.join(10_000);
        }
    }

    private static void waitFor(StringWriter out, String text) throws InterruptedException {
        for (int i = 0; i < 1000 && !out.toString().contains(text); i++) {
            Thread.sleep(10);
        }
        assertTrue(out.toString().contains(text), out.toString());
    }

    @Test
    void theBoundaryIsTheLastNoteReadFromTheSidecarsEndNotTheLargestOfAll() throws Exception {
        // A forged note in the middle is verify's finding; show reads only the end and never sees it.
        Path sidecar = LogDirectory.checkpointsFile(reviewed.log());
        List<String> notes = Files.readAllLines(sidecar, StandardCharsets.UTF_8);
        appendForgedNote(999_999_999);
        Files.writeString(sidecar, notes.getLast() + "\n", StandardOpenOption.APPEND);
        CliRun r = CliRun.audit("show", "--log", reviewed.log().toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(trailer(records - signed, signed), r.out().lines().toList().getLast(), r.out());
    }

    @Test
    void aLastLineThatIsNoNoteFallsBackToTheLastNoteBeforeIt() throws Exception {
        Files.writeString(
                LogDirectory.checkpointsFile(reviewed.log()),
                "{\"note\":\"garbage\"}\nnot json\n",
                StandardOpenOption.APPEND);
        CliRun r = CliRun.audit("show", "--log", reviewed.log().toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(trailer(records - signed, signed), r.out().lines().toList().getLast(), r.out());
    }

    @Test
    void anUnreadableSidecarStillShowsTheRecordsAndSaysTheTailIsUnknown() throws Exception {
        Path sidecar = LogDirectory.checkpointsFile(reviewed.log());
        Files.delete(sidecar);
        Files.createDirectory(sidecar);
        CliRun r = CliRun.audit("show", "--log", reviewed.log().toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(1 + records, r.out().lines().count(), "header and every record, no marker:\n" + r.out());
        assertFalse(r.out().contains("checkpoints.jsonl"), r.out());
        assertEquals(
                "p9gate audit show: warning: which records no checkpoint covers is not known: " + sidecar + " is"
                        + " not a regular file (a directory): no file the gateway wrote; run p9gate audit verify\n",
                r.err());
    }

    @Test
    void aLogWithoutCheckpointsIsUnsignedThroughout() throws Exception {
        Files.delete(LogDirectory.checkpointsFile(reviewed.log()));
        CliRun r = CliRun.audit("show", "--log", reviewed.log().toString());
        assertEquals(trailer(records, 0), r.out().lines().toList().getLast(), r.out());
    }

    @Test
    void aFullySignedLogHasNoMarker() throws Exception {
        Path other = tmp.resolve("signed");
        TestLogs.write(other, reviewed.key(), TestLogs.options(), 20);
        CliRun r = CliRun.audit("show", "--log", other.toString());
        assertFalse(r.out().contains("not covered"), r.out());
        CliRun json = CliRun.audit("show", "--log", other.toString(), "--format", "json");
        assertEquals("", json.err());
    }
}
