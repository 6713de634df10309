package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** What a stopped run says when it has nothing to remove (the forked runs: {@code ComplianceStopAttackTest}). */
class StopCleanupTest {
    /**
     * Ctrl-C while the suite read the audit log back (every place already removed) ended the run with exit 130 and
     * not a word: its output stopped after the last check's line, with no summary, and nothing said the run was cut
     * short or that no report was written.
     */
    @Test
    void aStopWithNothingToRemoveSaysTheRunWasStopped() {
        StringWriter out = new StringWriter();
        StopCleanup stop = StopCleanup.install(new PrintWriter(out));
        try {
            stop.stopped();
            assertEquals(
                    "p9gate compliance: stopped before the end; the suite left nothing in the shares; no report written\n",
                    out.toString());
        } finally {
            stop.finished();
        }
    }
}
