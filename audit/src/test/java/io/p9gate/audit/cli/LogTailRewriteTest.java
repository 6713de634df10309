package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.TestLogs;
import io.p9gate.audit.read.LogDirectory;
import io.p9gate.audit.read.StoredLine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code show --follow} reads on from where it stopped. When what it followed is no longer there (the log moved
 * aside and a new one started in its place, or a start cut a tail it had shown), it read on from the old offset of
 * the old segment name: before, the new records were never shown, and nothing said so.
 */
class LogTailRewriteTest {
    @TempDir
    Path tmp;

    @Test
    void aLogReplacedWhileFollowedIsFollowedAgainAndSaidSo() throws Exception {
        ReviewedLog first = ReviewedLog.withDecisions(tmp, 40);
        assertTrue(LogDirectory.segments(first.log()).size() > 2, "several segments");
        List<String> said = new ArrayList<>();
        LogTail tail = new LogTail(first.log(), said::add);
        List<StoredLine> shown = new ArrayList<>();
        tail.poll(shown::add);
        assertEquals(TestLogs.records(first.log()).size(), shown.size());

        Files.move(first.log(), tmp.resolve("log.old")); // moved aside; a gateway starts a new log there
        Files.createDirectory(tmp.resolve("new"));
        ReviewedLog.withDecisions(tmp.resolve("new"), 3);
        Files.move(tmp.resolve("new").resolve("log"), first.log());
        shown.clear();
        tail.poll(shown::add);
        assertEquals(TestLogs.records(first.log()).size(), shown.size(), "every record of the new log");
        assertEquals(1, said.size(), "said once: " + said);
        assertTrue(said.getFirst().contains("is another one now"), said.getFirst());
    }

    /** Cut in place (as a start cuts a tail it sets aside) and written on past the old end: the new lines are read. */
    @Test
    void aSegmentCutAndWrittenOnWhileFollowedIsReadAgain() throws Exception {
        ReviewedLog reviewed = ReviewedLog.withDecisions(tmp, 40);
        Path last = LogDirectory.segments(reviewed.log()).getLast();
        List<String> said = new ArrayList<>();
        LogTail tail = new LogTail(reviewed.log(), said::add);
        tail.poll(line -> true);

        List<String> lines = Files.readAllLines(last);
        List<String> now = new ArrayList<>(lines.subList(0, lines.size() - 2));
        List<String> written = List.of(
                "{\"seq\":1,\"written\":\"after the cut, a longer line than the two cut\"}",
                "{\"seq\":2,\"written\":\"after the cut\"}",
                "{\"seq\":3,\"written\":\"after the cut\"}");
        now.addAll(written);
        Files.write(last, now);
        List<String> shown = new ArrayList<>();
        tail.poll(line -> shown.add(new String(line.bytes(), java.nio.charset.StandardCharsets.UTF_8)));
        assertTrue(shown.containsAll(written), "the lines written after the cut: " + shown);
        assertEquals(1, said.size(), "said once: " + said);
    }

    /**
     * Replaced by a log of as many segments (the same names): the reading resumed at the followed segment's name in
     * the new log, so the new log's earlier segments were never shown. A log is known by its first line (its chain's
     * start, with its key and time); another one there is read from its first segment.
     */
    @Test
    void aLogReplacedByOneOfAsManySegmentsIsFollowedFromItsFirstSegment() throws Exception {
        ReviewedLog first = ReviewedLog.withDecisions(tmp, 40);
        List<String> said = new ArrayList<>();
        LogTail tail = new LogTail(first.log(), said::add);
        tail.poll(line -> true);

        Files.move(first.log(), tmp.resolve("log.old"));
        Files.createDirectory(tmp.resolve("new"));
        ReviewedLog.withDecisions(tmp.resolve("new"), 40);
        Files.move(tmp.resolve("new").resolve("log"), first.log());
        assertEquals(
                LogDirectory.segments(tmp.resolve("log.old")).stream()
                        .map(Path::getFileName)
                        .toList(),
                LogDirectory.segments(first.log()).stream()
                        .map(Path::getFileName)
                        .toList(),
                "the same segment names");
        List<StoredLine> shown = new ArrayList<>();
        tail.poll(shown::add);
        assertEquals(TestLogs.records(first.log()).size(), shown.size(), "every record of the new log");
        assertEquals(1, said.size(), "said once: " + said);
        assertTrue(said.getFirst().contains("is another one now"), said.getFirst());
    }
}
