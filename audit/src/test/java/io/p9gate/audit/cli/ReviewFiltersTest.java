package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, audit review: a quota refusal is stored as {@code decision=allow errno=122} (the policy allowed the
 * write, the quota refused it), so "what was refused" is a filter of its own ({@code --decision refused});
 * {@code --errno} (name or number), {@code --rule} and {@code --session} narrow a review; errno shows by name.
 * The log is {@link RefusalsLog}.
 */
class ReviewFiltersTest {
    @TempDir
    static Path tmp;

    static String log;

    @BeforeAll
    static void writeLog() throws Exception {
        log = RefusalsLog.write(tmp).toString();
    }

    private static List<String> seqs(String... filters) {
        return CliRun.shownSeqs(log, filters);
    }

    @Test
    void refusedFindsPolicyDenialsAndQuotaRefusals() {
        assertEquals(List.of("3", "4", "5", "7", "8"), seqs("--decision", "refused"));
        assertEquals(List.of("3", "5", "8"), seqs("--decision", "deny"), "deny stays the policy's decision");
        assertEquals(List.of("2", "4", "6", "7"), seqs("--decision", "allow"));
    }

    @Test
    void errnoByNameOrNumber() {
        assertEquals(List.of("4", "7"), seqs("--errno", "EDQUOT"));
        assertEquals(List.of("4", "7"), seqs("--errno", "edquot"));
        assertEquals(List.of("4", "7"), seqs("--errno", "122"));
        assertEquals(List.of("5", "8"), seqs("--errno", "ENOENT"));
        CliRun bad = CliRun.audit("show", "--log", log, "--errno", "EWHAT");
        assertEquals(2, bad.exit());
        assertTrue(bad.oneLineError(), bad.err());
        assertTrue(bad.err().contains("--errno"), bad.err());
    }

    @Test
    void ruleAndSessionNarrowTheReview() {
        assertEquals(List.of("4", "6", "7"), seqs("--rule", "cache-write"));
        assertEquals(List.of("6"), seqs("--rule", "cache-write", "--session", "4", "--errno", "0"));
        assertEquals(List.of("5", "6", "7", "8"), seqs("--session", "4"));
    }

    @Test
    void theTableShowsErrnoByName() {
        List<String> rows = CliRun.audit("show", "--log", log, "--session", "3")
                .out()
                .lines()
                .toList();
        assertTrue(rows.get(2).contains(" deny     1      EACCES "), rows.get(2));
        assertTrue(rows.get(3).contains(" allow    1      EDQUOT "), rows.get(3));
        assertTrue(rows.get(1).contains(" allow    1      0 "), rows.get(1));
    }
}
