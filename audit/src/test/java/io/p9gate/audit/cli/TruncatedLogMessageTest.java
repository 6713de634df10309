package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.AuditLog;
import io.p9gate.audit.TestLogs;
import io.p9gate.audit.read.LogDirectory;
import io.p9gate.audit.verify.FindingClass;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log cut in the middle of a record, with the signed checkpoints of what was cut away still in the sidecar: verify
 * says it in one line, where the log now ends (segment, line, byte offset) and the record cut short. Before, one
 * TRUNCATED line per checkpoint beyond the end (a thousand listed, "2124 more" of a 100,000-record log) and none
 * said where the log ends.
 */
class TruncatedLogMessageTest {
    @TempDir
    Path tmp;

    @Test
    void aLogCutMidRecordIsOneLineSayingWhereItEnds() throws Exception {
        ReviewedLog reviewed = ReviewedLog.in(tmp);
        try (AuditLog writer = reviewed.open(TestLogs.options().withCheckpointRecords(4))) {
            for (int i = 0; i < 400; i++) {
                writer.append(TestLogs.decision(i));
            }
        }
        Path segment = LogDirectory.segments(reviewed.log()).getFirst();
        byte[] bytes = Files.readAllBytes(segment);
        int cut = bytes.length / 2;
        while (bytes[cut - 1] == '\n') {
            cut++; // mid-record, not at a line's end
        }
        int wholeEnd = cut;
        while (bytes[wholeEnd - 1] != '\n') {
            wholeEnd--;
        }
        long wholeLines = 0;
        for (int i = 0; i < wholeEnd; i++) {
            wholeLines += bytes[i] == '\n' ? 1 : 0;
        }
        try (FileChannel c = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            c.truncate(cut);
        }

        CliRun r = CliRun.audit(
                "verify",
                "--log",
                reviewed.log().toString(),
                "--key",
                reviewed.pub().toString());

        assertEquals(FindingClass.TRUNCATED.exitCode(), r.exit(), r.out());
        List<String> truncated =
                r.out().lines().filter(l -> l.contains("TRUNCATED")).toList();
        assertEquals(1, truncated.size(), r.out());
        String line = truncated.getFirst();
        assertTrue(
                line.contains("the log ends at " + segment.getFileName() + " line " + wholeLines + " (byte offset "
                        + wholeEnd + "), then " + (cut - wholeEnd) + " bytes of a record cut short"),
                line);
    }
}
