package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.SignedNote;
import io.p9gate.audit.read.LogDirectory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
        return "-- " + n + " records after the last signed checkpoint (seq " + seq
                + " and later): not covered by a signature --";
    }

    @Test
    void theTableMarksWhereTheUnsignedRecordsBeginAndCountsThem() {
        CliRun r = CliRun.audit("show", "--log", reviewed.log().toString());
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(trailer(records - signed, signed), lines.getLast(), r.out());
        int boundary = lines.indexOf(
                "-- seq " + signed + " and later: after the last signed checkpoint, not covered by a signature --");
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
                        + " and later) come after the last signed checkpoint: not covered by a signature\n",
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
