package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.audit.read.LogDirectory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code audit show} of a log whose last record claims the largest seq (2^63-1), every record signed: one past it
 * overflowed, so the record was not counted as held and the show said the sidecar "claims N records, the log holds
 * N-1", a claim the same edit to any other large seq does not make. It reads as that edit does.
 */
class LargestSeqShowTest {
    @TempDir
    Path tmp;

    @Test
    void theLargestSeqReadsAsAnyOtherLargeOne() throws Exception {
        assertEquals(lastLinesWithSeq(Long.MAX_VALUE - 1, "a"), lastLinesWithSeq(Long.MAX_VALUE, "b"));
    }

    /** The show's lines about the log ("-- ... --"), of a signed log whose last record claims {@code seq}. */
    private List<String> lastLinesWithSeq(long seq, String name) throws Exception {
        ReviewedLog reviewed = ReviewedLog.in(Files.createDirectories(tmp.resolve(name)));
        reviewed.openWithDecisions(10).close();
        Path last = LogDirectory.segments(reviewed.log()).getLast();
        List<String> lines = new ArrayList<>(Files.readAllLines(last, StandardCharsets.UTF_8));
        lines.set(lines.size() - 1, lines.getLast().replaceFirst("^\\{\"seq\":\\d+,", "{\"seq\":" + seq + ","));
        Files.write(last, lines, StandardCharsets.UTF_8);
        CliRun r = CliRun.audit("show", "--log", reviewed.log().toString());
        assertEquals(0, r.exit(), r.err());
        List<String> out = r.out().lines().toList();
        return out.stream()
                .filter(l -> l.startsWith("--"))
                .map(l -> l.replace(Long.toString(seq), "SEQ"))
                .toList();
    }
}
