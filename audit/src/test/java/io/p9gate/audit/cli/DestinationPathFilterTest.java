package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.audit.AuditEvent;
import io.p9gate.audit.AuditLog;
import io.p9gate.audit.IdMapping;
import io.p9gate.audit.Outcome;
import io.p9gate.audit.TestLogs;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --path} selects a rename or link by its destination too (the {@code to=} word of its detail): a reviewer
 * watching {@code /watched/**} must see a file moved or linked into it, not only those moved out. A walked name that
 * reads {@code to=/watched/x} is guest text (written with {@code =} escaped) and selects nothing.
 */
class DestinationPathFilterTest {
    private static final IdMapping IDS = new IdMapping(1000, 1000, 100000, 100000);

    @TempDir
    static Path tmp;

    static String log;

    @BeforeAll
    static void writeLog() throws Exception {
        ReviewedLog reviewed = ReviewedLog.in(tmp);
        try (AuditLog l = reviewed.open(TestLogs.options())) {
            // seq 0 is the start record, 1 the checkpoint taken when the log is opened
            l.append(decision("renameat", "/tmp/x", "action=rename share=data to=/watched/x")); // 2: moved in
            l.append(decision("link", "/tmp/y", "action=link share=data to=/watched/y")); // 3: linked in
            l.append(decision("renameat", "/watched/z", "action=rename share=data to=/tmp/z")); // 4: moved out
            l.append(decision("renameat", "/tmp/a", "action=rename share=data to=/tmp/b")); // 5: elsewhere
            l.append(decision("walk", "/tmp/c", "action=walk share=data to%3d/watched/c")); // 6: a guest's name
            l.append(decision("renameat", "/tmp/d", "action=rename share=data to=/watched/d%20e")); // 7: a space
        }
        log = reviewed.log().toString();
    }

    private static AuditEvent.Decision decision(String op, String path, String detail) {
        return new AuditEvent.Decision(
                "vm1", 3, op, 1, path, IDS, Outcome.ALLOW, List.of(), "sha256:abc", 0, AuditEvent.NO_BYTES, detail, 1);
    }

    private static List<String> seqs(String... filters) {
        return CliRun.shownSeqs(log, filters);
    }

    @Test
    void renamesAndLinksIntoTheSubtreeAreSelected() {
        assertEquals(List.of("2", "3", "4", "7"), seqs("--path", "/watched/**"));
    }

    @Test
    void theDestinationIsMatchedDecoded() {
        assertEquals(List.of("7"), seqs("--path", "/watched/d e"));
    }

    @Test
    void otherFiltersStillNarrowIt() {
        assertEquals(List.of("2", "4", "7"), seqs("--path", "/watched/**", "--op", "renameat"));
        assertEquals(List.of("5"), seqs("--path", "/tmp/b"));
    }
}
