package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.AuditEvent;
import io.p9gate.audit.AuditLog;
import io.p9gate.audit.Outcome;
import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.LogDirectory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guest-chosen names (and text in a doctored log) never reach a reviewer's terminal or a syslog collector raw
 * (issue 8 item 7, R-AUD-5): every control character is escaped in the table, the verifier's summary and the
 * syslog export; an RFC 5424 message stays one line; JSON output stays the exact stored bytes.
 */
class HostileTextOutputTest {
    /** A newline that forges a row, ANSI colour and cursor movement, DEL, C1 CSI and NEL, a bidi override. */
    static final String HOSTILE = "/data/a\n99999999 2026-01-01T00:00:00.000000Z vm-x  1  lopen  allow  0  -  /etc/ok"
            + "\u001b[31mred\u001b[2J\u007f\u009b2J\u0085\u202eevil\ud800";

    @TempDir
    Path tmp;

    ReviewedLog reviewed;

    @BeforeEach
    void writeLog() throws Exception {
        reviewed = ReviewedLog.in(tmp);
        reviewed.writeDecision(
                "lcreate", HOSTILE, Outcome.ALLOW, List.of("rw"), 0, "action=create share=data name=" + HOSTILE);
    }

    /** A decision about {@link #HOSTILE}, by session 1, tag 3. */
    static AuditEvent.Decision atHostilePath(
            String vm, String op, Outcome outcome, List<String> rules, int errno, String detail) {
        return ReviewedLog.decision(vm, op, HOSTILE, outcome, rules, errno, detail);
    }

    /** Every char is printable: nothing below 0x20 but the line ends, no DEL, no C1, no bidi, no lone surrogate. */
    static void assertPrintable(String output) {
        for (String line : output.split("\n", -1)) {
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                boolean control = c < 0x20
                        || (c >= 0x7f && c <= 0x9f)
                        || (c >= 0x202a && c <= 0x202e)
                        || Character.isSurrogate(c);
                assertTrue(!control, "raw U+" + Integer.toHexString(c) + " in: " + line);
            }
        }
    }

    @Test
    void showTableEscapesEveryControlCharacterAndKeepsOneRowPerRecord() throws Exception {
        CliRun r = CliRun.audit("show", "--log", reviewed.log().toString(), "--op", "lcreate");
        assertEquals(0, r.exit(), r.err());
        assertPrintable(r.out());
        assertEquals(2, r.out().lines().count(), "header and one row:\n" + r.out());
        assertTrue(r.out().contains("/data/a\\n99999999"), r.out());
        assertTrue(r.out().contains("\\x1b[31mred"), r.out());
        assertTrue(r.out().contains("\\x7f\\x9b2J\\x85\\u202eevil\\ud800"), r.out());
    }

    @Test
    void aBackslashIsEscapedTooSoTheEscapedFormIsUnambiguous() {
        assertEquals("a\\\\nb", io.p9gate.audit.read.PrintableText.escape("a\\nb"));
        assertEquals("a\\nb", io.p9gate.audit.read.PrintableText.escape("a\nb"));
        assertEquals("plain /x y-\u00e9", io.p9gate.audit.read.PrintableText.escape("plain /x y-\u00e9"));
    }

    @Test
    void rfc5424ExportIsOneLinePerRecordWithEscapedStructuredData() throws Exception {
        CliRun r = CliRun.audit("export", "--log", reviewed.log().toString(), "--format", "rfc5424", "--op", "lcreate");
        assertEquals(0, r.exit(), r.err());
        assertPrintable(r.out());
        assertEquals(1, r.out().lines().count(), r.out());
        // Our escape first (\ -> \\, newline -> \n), then RFC 5424's (\ -> \\): a collector un-escaping
        // RFC 5424 gets back our unambiguous escaped text.
        assertTrue(r.out().contains("path=\"/data/a\\\\n99999999"), r.out());
        String msg = r.out().substring(r.out().indexOf("] {") + 2).strip();
        byte[] stored = Files.readAllLines(LogDirectory.segments(reviewed.log()).getFirst())
                .get(2)
                .getBytes(StandardCharsets.US_ASCII);
        assertEquals(new String(stored, StandardCharsets.US_ASCII), msg, "MSG is the stored record, verifiable");
        assertEquals(HOSTILE, AuditRecord.parse(stored).path());
    }

    @Test
    void jsonOutputsStayTheExactStoredLines() throws Exception {
        List<String> stored =
                Files.readAllLines(LogDirectory.segments(reviewed.log()).getFirst());
        CliRun show = CliRun.audit("show", "--log", reviewed.log().toString(), "--format", "json");
        CliRun export = CliRun.audit("export", "--log", reviewed.log().toString(), "--format", "jsonl");
        assertEquals(stored, show.out().lines().toList());
        assertEquals(stored, export.out().lines().toList());
    }

    @Test
    void aDoctoredLineWithRawControlBytesIsSkippedNotPrinted() throws Exception {
        // Valid JSON whose strings hold a raw C1 CSI and a raw DEL: the writer never stores such bytes.
        String doctored = "{\"seq\":99,\"type\":\"decision\",\"op\":\"walk\",\"path\":\"/x\u009b2J\u007fy\",\"time\":"
                + "\"2026-01-01T00:00:00Z\",\"prev\":\"" + "0".repeat(64) + "\"}\n";
        Files.write(
                LogDirectory.segments(reviewed.log()).getLast(),
                doctored.getBytes(StandardCharsets.UTF_8),
                StandardOpenOption.APPEND);
        for (String format : List.of("table", "json")) {
            CliRun r = CliRun.audit("show", "--log", reviewed.log().toString(), "--format", format);
            assertPrintable(r.out());
            assertTrue(r.err().contains("skipping"), r.err());
            assertPrintable(r.err());
        }
        CliRun export = CliRun.audit("export", "--log", reviewed.log().toString(), "--format", "jsonl");
        assertPrintable(export.out());
    }

    /** stats names denied paths: a guest's name, printed raw as JSON, kept its C1 and bidi controls. */
    @Test
    void statsJsonEscapesTheNamesAndKeepsTheirValues() throws Exception {
        Path denied = tmp.resolve("denied");
        try (AuditLog l = AuditLog.open(denied, reviewed.key(), TestLogs.options())) {
            l.append(atHostilePath("vm-\u202eevil", "walk", Outcome.DENY, List.of("hide\u009b2J"), 2, null));
        }
        CliRun json = CliRun.audit("stats", "--log", denied.toString(), "--format", "json");
        assertEquals(0, json.exit(), json.err());
        assertPrintable(json.out());
        var top = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(json.out())
                .get("topDeniedPaths")
                .get(0);
        assertEquals(HOSTILE, top.get("path").asText(), "the same JSON value");
        assertEquals("vm-\u202eevil", top.get("vm").asText());
        CliRun text = CliRun.audit("stats", "--log", denied.toString());
        assertPrintable(text.out());
    }

    @Test
    void verifierSummaryEscapesTextFromTheSidecar() throws Exception {
        // A well-formed note signed by a key the reviewer does not know, whose name hides an escape sequence.
        Path sidecar = LogDirectory.checkpointsFile(reviewed.log());
        String body = io.p9gate.audit.note.SignedNote.parse(io.p9gate.audit.TestLogs.checkpoints(reviewed.log())
                        .getFirst()
                        .noteText())
                .body();
        SigningKey evil = TestLogs.key("evil\u001b[2J\u009bname");
        String note = io.p9gate.audit.note.SignedNote.sign(body, evil).format();
        Files.writeString(
                sidecar,
                new com.fasterxml.jackson.databind.ObjectMapper()
                                .createObjectNode()
                                .put("note", note)
                                .toString() + "\n",
                StandardOpenOption.APPEND);
        CliRun r = CliRun.audit(
                "verify",
                "--log",
                reviewed.log().toString(),
                "--key",
                reviewed.pub().toString());
        assertEquals(9, r.exit(), r.out());
        assertTrue(r.out().contains("evil\\x1b[2J\\x9bname"), r.out());
        assertPrintable(r.out());
        assertPrintable(r.err());
    }
}
