package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: {@code p9gate audit stats} sums a log up for a reviewer (records, decisions by VM, op, errno and rule,
 * top denied paths, time range, checkpoints), counting the requests a summary record stands for, not records.
 * The log is {@link RefusalsLog}: requests 2..8, the last a summary of 40 repeated denials.
 */
class StatsCommandTest {
    @TempDir
    static java.nio.file.Path tmp;

    static String log;

    @BeforeAll
    static void writeLog() throws Exception {
        log = RefusalsLog.write(tmp).toString();
    }

    private static JsonNode stats(String... filters) throws IOException {
        java.util.List<String> args =
                new java.util.ArrayList<>(java.util.List.of("stats", "--log", log, "--format", "json"));
        args.addAll(java.util.List.of(filters));
        CliRun r = CliRun.audit(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void countsRequestsByOutcomeVmOpErrnoAndRule() throws Exception {
        JsonNode s = stats();
        assertEquals(7, s.at("/decisions/records").asLong(), s.toPrettyString());
        assertEquals(46, s.at("/decisions/requests").asLong());
        assertEquals(4, s.at("/decisions/allow").asLong(), "the policy's allows: 2, 4, 6, 7");
        assertEquals(42, s.at("/decisions/deny").asLong());
        assertEquals(44, s.at("/decisions/refused").asLong(), "denials and the two quota refusals");
        assertEquals(44, s.at("/byVm/infotainment/refused").asLong());
        assertEquals(46, s.at("/byVm/infotainment/requests").asLong());
        assertEquals(42, s.at("/byOp/walk/requests").asLong());
        assertEquals(41, s.at("/byOp/walk/deny").asLong());
        assertEquals(1, s.at("/byOp/walk/allow").asLong());
        assertEquals(3, s.at("/byOp/write/requests").asLong());
        assertEquals(2, s.at("/byOp/write/refused").asLong());
        assertEquals(41, s.at("/byErrno/ENOENT").asLong());
        assertEquals(2, s.at("/byErrno/EDQUOT").asLong());
        assertEquals(1, s.at("/byErrno/EACCES").asLong());
        assertEquals(3, s.at("/byRule/cache-write").asLong());
        assertEquals(41, s.at("/byRule/hidden").asLong());
    }

    @Test
    void topDeniedPathsComeFirstByRequests() throws Exception {
        JsonNode top = stats().get("topDeniedPaths");
        assertEquals("/calibration", top.get(0).get("path").asText(), top.toPrettyString());
        assertEquals(41, top.get(0).get("requests").asLong());
        assertEquals("infotainment", top.get(0).get("vm").asText());
        assertEquals("/etc/shadow", top.get(1).get("path").asText());
        assertEquals(2, top.size(), "quota refusals are not the policy's denials");
    }

    @Test
    void recordsTimeRangeAndCheckpoints() throws Exception {
        JsonNode s = stats();
        long records = CliRun.audit("show", "--log", log).out().lines().count() - 1;
        long checkpoints = CliRun.audit("show", "--log", log, "--op", "checkpoint")
                        .out()
                        .lines()
                        .count()
                - 1;
        assertEquals(records, s.get("records").asLong());
        assertEquals(0, s.at("/seq/first").asLong(), "seq counts from 0 (the start record)");
        assertEquals(records - 1, s.at("/seq/last").asLong());
        assertTrue(checkpoints >= 1, "the log is closed with a checkpoint");
        assertEquals(checkpoints, s.get("checkpoints").asLong());
        assertEquals(checkpoints, s.at("/byType/checkpoint").asLong());
        assertTrue(s.at("/time/first").asText().compareTo(s.at("/time/last").asText()) <= 0, s.toPrettyString());
    }

    @Test
    void filtersApplyAsInShow() throws Exception {
        JsonNode s = stats("--session", "3");
        assertEquals(3, s.at("/decisions/requests").asLong());
        assertEquals(3, s.get("records").asLong());
    }

    @Test
    void textSummaryNamesTheSameCounts() {
        CliRun r = CliRun.audit("stats", "--log", log);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("decisions:   7 records for 46 requests: 4 allow, 42 deny; 44 refused"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches(" +41 +infotainment +/calibration")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches(" +EDQUOT +2")), r.out());
    }

    /** Before, a filter that matched nothing (or an empty log) printed "records: 0 (seq -1..-1), null .. null". */
    @Test
    void noRecordIsSaidInWords() {
        CliRun r = CliRun.audit("stats", "--log", log, "--vm", "no-such-vm");
        assertEquals(0, r.exit(), r.err());
        String first = r.out().lines().findFirst().orElseThrow();
        assertEquals("records:     0 (no record matched, or the log holds none)", first, r.out());
    }
}
