package io.p9gate.audit.cli;

import io.p9gate.audit.AuditEvent;
import io.p9gate.audit.AuditLog;
import io.p9gate.audit.IdMapping;
import io.p9gate.audit.Outcome;
import io.p9gate.audit.TestLogs;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13, audit review: a quota refusal is stored as {@code decision=allow errno=122} (the policy allowed the
 * write, the quota refused it), so "what was refused" is a filter of its own ({@code --decision refused});
 * {@code --errno} (name or number), {@code --rule} and {@code --session} narrow a review; errno shows by name.
 */
class ReviewFiltersTest {
    private static final IdMapping IDS = new IdMapping(1000, 1000, 100000, 100000);

    @TempDir
    static Path tmp;
    static String log;

    @BeforeAll
    static void writeLog() throws Exception {
        ReviewedLog reviewed = ReviewedLog.in(tmp);
        log = reviewed.log().toString();
        try (AuditLog l = reviewed.open(TestLogs.options())) {
            // seq 1 is the start record
            l.append(decision(3, "walk", "/media/a", Outcome.ALLOW, List.of("media-read"), 0));        // 2
            l.append(decision(3, "lcreate", "/etc/shadow", Outcome.DENY, List.of(), 13));             // 3
            l.append(decision(3, "write", "/cache/big", Outcome.ALLOW, List.of("cache-write"), 122)); // 4: quota
            l.append(decision(4, "walk", "/calibration", Outcome.DENY, List.of("hidden"), 2));        // 5
            l.append(decision(4, "write", "/cache/small", Outcome.ALLOW, List.of("cache-write"), 0)); // 6
            l.append(decision(4, "write", "/cache/big2", Outcome.ALLOW, List.of("cache-write"), 122)); // 7: quota
        }
    }

    private static AuditEvent.Decision decision(long session, String op, String path, Outcome outcome,
                                                List<String> rules, int errno) {
        return new AuditEvent.Decision("infotainment", session, op, 1, path, IDS, outcome, rules, "sha256:abc", errno,
                AuditEvent.NO_BYTES);
    }

    /** The SEQ column of {@code show}'s rows for these filters. */
    private static List<String> seqs(String... filters) {
        List<String> args = new java.util.ArrayList<>(List.of("show", "--log", log));
        args.addAll(List.of(filters));
        CliRun r = CliRun.audit(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        return r.out().lines().skip(1).map(l -> l.split(" +")[0]).toList();
    }

    @Test
    void refusedFindsPolicyDenialsAndQuotaRefusals() {
        assertEquals(List.of("3", "4", "5", "7"), seqs("--decision", "refused"));
        assertEquals(List.of("3", "5"), seqs("--decision", "deny"), "deny stays the policy's decision");
        assertEquals(List.of("2", "4", "6", "7"), seqs("--decision", "allow"));
    }

    @Test
    void errnoByNameOrNumber() {
        assertEquals(List.of("4", "7"), seqs("--errno", "EDQUOT"));
        assertEquals(List.of("4", "7"), seqs("--errno", "edquot"));
        assertEquals(List.of("4", "7"), seqs("--errno", "122"));
        assertEquals(List.of("5"), seqs("--errno", "ENOENT"));
        CliRun bad = CliRun.audit("show", "--log", log, "--errno", "EWHAT");
        assertEquals(2, bad.exit());
        assertTrue(bad.oneLineError(), bad.err());
        assertTrue(bad.err().contains("--errno"), bad.err());
    }

    @Test
    void ruleAndSessionNarrowTheReview() {
        assertEquals(List.of("4", "6", "7"), seqs("--rule", "cache-write"));
        assertEquals(List.of("6"), seqs("--rule", "cache-write", "--session", "4", "--errno", "0"));
        assertEquals(List.of("5", "6", "7"), seqs("--session", "4"));
    }

    @Test
    void theTableShowsErrnoByName() {
        List<String> rows = CliRun.audit("show", "--log", log, "--session", "3").out().lines().toList();
        assertTrue(rows.get(2).contains(" deny     1      EACCES "), rows.get(2));
        assertTrue(rows.get(3).contains(" allow    1      EDQUOT "), rows.get(3));
        assertTrue(rows.get(1).contains(" allow    1      0 "), rows.get(1));
    }
}
