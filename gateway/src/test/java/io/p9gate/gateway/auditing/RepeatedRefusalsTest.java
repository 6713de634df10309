package io.p9gate.gateway.auditing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.AuditEvent;
import io.p9gate.audit.IdMapping;
import io.p9gate.audit.Outcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-VM refusal budget (issue 8 item 6): bounded records per window, and every refusal counted. */
class RepeatedRefusalsTest {
    /** A clock the test moves. */
    private static final class TestClock extends Clock {
        Instant now = Instant.parse("2026-12-01T10:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final TestClock clock = new TestClock();
    private final List<AuditEvent.Decision> written = new ArrayList<>();
    private final RepeatedRefusals.Writer writer = d -> {
        written.add(d);
        return written.size() - 1;
    };

    private static AuditEvent.Decision deniedWalk(String vm, String path, int tag) {
        return denied(vm, path, tag, "action=walk share=data");
    }

    private static AuditEvent.Decision denied(String vm, String path, int tag, String detail) {
        return new AuditEvent.Decision(
                vm,
                1,
                "walk",
                tag,
                path,
                new IdMapping(0, 0, 100000, 100000),
                Outcome.DENY,
                List.of("hidden"),
                "sha256:p",
                2,
                AuditEvent.NO_BYTES,
                detail,
                1);
    }

    private long requestsFor(String vm) {
        return written.stream()
                .filter(d -> d.vm().equals(vm))
                .mapToLong(AuditEvent.Decision::count)
                .sum();
    }

    @Test
    void identicalRefusalsInAWindowAreTheFirstRecordAndOneSummary() throws Exception {
        RepeatedRefusals refusals = new RepeatedRefusals(clock, new RefusalBudget(Duration.ofSeconds(1), 64), writer);
        for (int i = 0; i < 10_000; i++) {
            refusals.record(deniedWalk("a", "/secret", i));
        }
        assertEquals(1, written.size(), "only the first is written during the window");
        clock.now = clock.now.plusSeconds(1);
        refusals.flushEnded();
        assertEquals(2, written.size());
        AuditEvent.Decision summary = written.get(1);
        assertEquals(9_999, summary.count());
        assertEquals("/secret", summary.path());
        assertEquals(9_999, summary.tag(), "the last request's tag");
        assertTrue(summary.detail().endsWith(" repeat_of=0"), summary.detail());
        assertEquals(10_000, requestsFor("a"));
    }

    @Test
    void newKindsOverTheBudgetAreCountedIntoOneSummaryPerClass() throws Exception {
        RepeatedRefusals refusals = new RepeatedRefusals(clock, new RefusalBudget(Duration.ofSeconds(1), 3), writer);
        for (int i = 0; i < 1_000; i++) {
            refusals.record(deniedWalk("a", "/secret/n" + i + "/x", i));
        }
        assertEquals(3, written.size(), "the budget of distinct records");
        refusals.close(); // shutdown writes what is pending
        assertEquals(4, written.size(), "one summary for the 997 others");
        AuditEvent.Decision summary = written.getLast();
        assertEquals(997, summary.count());
        assertEquals("/secret", summary.path(), "the deepest directory holding all their paths");
        assertTrue(summary.detail().endsWith(" paths=varied"), summary.detail());
        assertEquals(1_000, requestsFor("a"));
    }

    @Test
    void eachVmHasItsOwnBudgetAndANewWindowStartsAfresh() throws Exception {
        RepeatedRefusals refusals = new RepeatedRefusals(clock, new RefusalBudget(Duration.ofSeconds(1), 2), writer);
        for (int window = 0; window < 3; window++) {
            for (int i = 0; i < 100; i++) {
                refusals.record(deniedWalk("a", "/x" + (i % 5), i));
                refusals.record(deniedWalk("b", "/y", i));
            }
            clock.now = clock.now.plusMillis(1000);
        }
        refusals.close();
        assertEquals(300, requestsFor("a"));
        assertEquals(300, requestsFor("b"));
        // per window: a writes 2 kinds + 2 summaries + 1 class summary, b writes 1 + 1 summary
        assertEquals(3 * (5 + 2), written.size(), written.toString());
    }

    /**
     * Who connected (the {@code peer=} word) does not make a kind, what was asked does: a VM reconnecting from a new
     * pid each time is one record and a summary saying {@code peer=varied}; a reason text holding a second
     * {@code peer=} is still compared.
     */
    @Test
    void refusalsFromSeveralPeersAreOneKindAndTheirSummarySaysSo() throws Exception {
        RepeatedRefusals refusals = new RepeatedRefusals(clock, new RefusalBudget(Duration.ofSeconds(1), 64), writer);
        for (int i = 0; i < 50; i++) {
            refusals.record(denied("a", "/", i, "connection refused: peer=unix:pid%3d" + i + " reason=busy"));
            refusals.record(denied("a", "/", i, "connection refused: peer=unix:pid%3d7 reason=peer=" + i));
            refusals.record(denied("a", "/", i, "connection refused: peer=unix:pid%3d7 reason=full"));
        }
        assertEquals(52, written.size(), "one per pid-free kind, the forged reason's 50 each their own");
        refusals.close();
        List<String> summaries = written.subList(52, written.size()).stream()
                .map(AuditEvent.Decision::detail)
                .toList();
        assertTrue(
                summaries.contains("connection refused: peer=varied reason=busy sources=49 source=unix:pid%3d1"
                        + " source=unix:pid%3d2 source=unix:pid%3d3 source=unix:pid%3d4 repeat_of=0"),
                summaries::toString);
        assertTrue(
                summaries.contains("connection refused: peer=unix:pid%3d7 reason=full repeat_of=2"),
                summaries::toString);
        assertEquals(150, requestsFor("a"));
    }

    @Test
    void overTheBudgetPeersDoNotCutTheWordsKept() throws Exception {
        RepeatedRefusals refusals = new RepeatedRefusals(clock, new RefusalBudget(Duration.ofSeconds(1), 1), writer);
        refusals.record(denied("a", "/", 0, "x"));
        for (int i = 0; i < 5; i++) {
            refusals.record(denied("a", "/", i, "dialect 9P2000 refused: peer=tcp:h:" + i + " try=" + (i % 2)));
        }
        refusals.close();
        assertEquals(
                "dialect 9P2000 refused: peer=varied details=varied kinds=2 sources=1 source=tcp:h paths=varied",
                written.getLast().detail());
    }

    @Test
    void theDeepestCommonDirectory() {
        assertEquals("/a/b", RepeatedRefusals.commonDirectory("/a/b/c", "/a/b/d"));
        assertEquals("/", RepeatedRefusals.commonDirectory("/a", "/b"));
        assertEquals("/a/b", RepeatedRefusals.commonDirectory("/a/b", "/a/b"));
    }
}
