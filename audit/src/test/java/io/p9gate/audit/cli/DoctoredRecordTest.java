package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.AuditLog;
import io.p9gate.audit.read.LogDirectory;
import io.p9gate.audit.verify.FindingClass;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records a doctored log holds that are well-formed JSON but no record the writer writes: the review commands
 * (show, stats, report) must skip such a line with their warning and go on, as they do for a line that is not JSON.
 * The report in particular is written "whatever the verdict": a tampered log is exactly what it must still describe.
 */
class DoctoredRecordTest {
    @TempDir
    Path tmp;

    ReviewedLog reviewed;

    @BeforeEach
    void writeLog() throws Exception {
        reviewed = ReviewedLog.in(tmp);
        try (AuditLog l = reviewed.openWithDecisions(20)) {
            l.checkpoint();
        }
    }

    private void append(String line) throws Exception {
        Files.write(
                LogDirectory.segments(reviewed.log()).getLast(),
                (line + "\n").getBytes(StandardCharsets.US_ASCII),
                StandardOpenOption.APPEND);
    }

    private static String record(String time, String path) {
        return "{\"seq\":99,\"boot\":\"b\",\"time\":" + time + ",\"type\":\"decision\",\"vm\":\"vm-a\",\"session\":1,"
                + "\"op\":\"walk\",\"tag\":1,\"path\":" + path + ",\"guest_uid\":0,\"guest_gid\":0,\"host_uid\":0,"
                + "\"host_gid\":0,\"decision\":\"deny\",\"rules\":[],\"policy\":\"none\",\"errno\":13,\"bytes\":null,"
                + "\"count\":1,\"detail\":null,\"prev\":\"" + "0".repeat(64) + "\"}";
    }

    /**
     * A {@code time} that is not an RFC 3339 time (or is null): stats and report stopped with {@code error: Text
     * 'yesterday' could not be parsed at index 0} (exit 1, no page written), show with {@code --since} the same way
     * (and with {@code error: text} for a null time), so one doctored line hid the whole log from review.
     */
    @Test
    void aRecordWithoutARealTimeIsSkippedNotFatal() throws Exception {
        append(record("\"yesterday\"", "\"/x\""));
        append(record("null", "\"/y\""));
        String log = reviewed.log().toString();

        CliRun show = CliRun.audit("show", "--log", log, "--since", "3650d");
        assertEquals(0, show.exit(), show.err());
        assertTrue(show.out().contains("/data/dir"), show.out());
        assertTrue(show.err().contains("skipping"), show.err());

        CliRun stats = CliRun.audit("stats", "--log", log, "--format", "json");
        assertEquals(0, stats.exit(), stats.err());
        assertTrue(stats.out().contains("\"decisions\""), stats.out());
        assertTrue(stats.err().contains("skipping"), stats.err());

        Path page = tmp.resolve("report.html");
        CliRun report = CliRun.audit(
                "report",
                "--html",
                page.toString(),
                "--log",
                log,
                "--key",
                reviewed.pub().toString());
        assertTrue(Files.isRegularFile(page), report.err());
        assertTrue(Files.readString(page).contains("TAMPERED"), report.err());
        assertTrue(report.exit() != FindingClass.IO_ERROR && report.exit() != 0, report.err());
    }

    /**
     * A path holding a NUL ({@code \u0000}, which no guest can send: the codec refuses it) made {@code show --path}
     * stop at that record with {@code error: Nul character not allowed} (exit 1), hiding every record after it. Such
     * a path matches no glob; the listing goes on.
     */
    @Test
    void aPathWithANulMatchesNoGlobAndTheListingGoesOn() throws Exception {
        append(record("\"2026-01-01T00:00:00Z\"", "\"/data/\\u0000x\""));
        CliRun show = CliRun.audit("show", "--log", reviewed.log().toString(), "--path", "/data/**");
        assertEquals(0, show.exit(), show.err());
        assertTrue(show.out().contains("/data/dir"), show.out());
    }

    /** An age too large for a time ({@code --since 9999999999999999999d}) is bad input: exit 2, one clear line. */
    @Test
    void anAgeBeyondAnyTimeIsAUsageError() {
        for (String age : List.of("9999999999999999999d", "106751991167300d")) {
            CliRun show = CliRun.audit("show", "--log", reviewed.log().toString(), "--since", age);
            assertEquals(2, show.exit(), show.err());
            assertTrue(show.oneLineError(), show.err());
            assertTrue(show.err().contains("--since"), show.err());
        }
    }

    private static final String U64_MAX = "18446744073709551615";

    /** A read's record with {@code field} set to {@code value} (raw JSON) and a u64 offset word, as raw12 writes it. */
    private static String withNumber(String field, String value) {
        return record("\"2026-01-01T00:00:00Z\"", "\"/data/big\"")
                .replace("\"detail\":null", "\"detail\":\"action=read share=data offset=" + U64_MAX + "\"")
                .replaceFirst("\"" + field + "\":[^,]*,", "\"" + field + "\":" + value + ",");
    }

    /**
     * 2^64-1 where a record field is a long (seq, session, ids, bytes, count), or 2^32-1 for an int (errno, tag): no
     * value for the Jackson reader, so each such line is skipped with the warning, never an exception's words. Since
     * raw12 the words of {@code detail} carry u64 numbers as decimal text ({@code offset=18446744073709551615}): text
     * to every reader, parsed by none, exported whole.
     */
    @Test
    void aNumberPastItsFieldIsSkippedAndAU64DetailWordKept() throws Exception {
        for (String field : List.of("seq", "session", "guest_uid", "host_gid", "bytes", "count")) {
            append(withNumber(field, U64_MAX));
        }
        append(withNumber("errno", "4294967295"));
        append(withNumber("tag", "4294967295"));
        String log = reviewed.log().toString();
        for (List<String> args : List.of(
                List.of("show", "--log", log),
                List.of("stats", "--log", log, "--format", "json"),
                List.of("export", "--log", log, "--format", "jsonl"))) {
            CliRun run = CliRun.audit(args.toArray(String[]::new));
            String what = args.getFirst() + ": " + run.err();
            assertEquals(0, run.exit(), what);
            assertEquals(8, run.err().split("skipping unreadable line", -1).length - 1, what);
            assertFalse(run.err().contains("Exception") || run.err().contains("\tat "), what);
        }
        append(withNumber("seq", "99"));
        CliRun export = CliRun.audit("export", "--log", log, "--format", "jsonl");
        assertTrue(export.out().contains("share=data offset=" + U64_MAX), export.out());
    }
}
