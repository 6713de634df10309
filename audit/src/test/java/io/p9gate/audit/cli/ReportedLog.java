package io.p9gate.audit.cli;

import io.p9gate.audit.AuditEvent;
import io.p9gate.audit.AuditLog;
import io.p9gate.audit.IdMapping;
import io.p9gate.audit.Outcome;
import io.p9gate.audit.TestLogs;
import java.util.List;

/**
 * A log for {@code audit report}: two VMs, several ops, rules and errnos ({@link TestLogs#decision}), a summary
 * of repeated denials, and paths a hostile guest chose to be markup in a reviewer's page.
 */
final class ReportedLog {
    static final String SCRIPT_PATH = "/<script>alert(1)</script>";
    static final String IMG_PATH = "/x\"><img id=\"injected\" src=x onerror=alert(2)>";

    private ReportedLog() {}

    /** Writes the log of {@code reviewed} and closes it. */
    static void write(ReviewedLog reviewed) throws Exception {
        try (AuditLog l = reviewed.open(TestLogs.options().withMaxSegmentBytes(4000))) {
            for (int i = 0; i < 40; i++) {
                l.append(TestLogs.decision(i));
            }
            AuditEvent.Decision script = hostile(SCRIPT_PATH);
            l.append(script);
            l.append(hostile(IMG_PATH));
            l.append(script.summarising(5, SCRIPT_PATH, 9, 11, "repeat_of=hostile"));
        }
    }

    private static AuditEvent.Decision hostile(String path) {
        return new AuditEvent.Decision(
                "vm-a",
                11,
                "lcreate",
                9,
                path,
                new IdMapping(1000, 1000, 100000, 100000),
                Outcome.DENY,
                List.of("no-create"),
                "sha256:abc",
                13,
                AuditEvent.NO_BYTES,
                null,
                1);
    }
}
