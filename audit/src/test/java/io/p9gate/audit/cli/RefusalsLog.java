package io.p9gate.audit.cli;

import io.p9gate.audit.AuditEvent;
import io.p9gate.audit.AuditLog;
import io.p9gate.audit.IdMapping;
import io.p9gate.audit.Outcome;
import io.p9gate.audit.TestLogs;
import java.nio.file.Path;
import java.util.List;

/**
 * A small signed log with every kind of refusal a reviewer looks for, at known seqs: the policy's denials, quota
 * refusals (stored as {@code allow} with EDQUOT), and a summary of 40 repeated denials.
 */
final class RefusalsLog {
    private static final IdMapping IDS = new IdMapping(1000, 1000, 100000, 100000);

    private RefusalsLog() {}

    /** Writes the log into {@code tmp/log} (signed with {@link ReviewedLog}'s key) and returns that directory. */
    static Path write(Path tmp) throws Exception {
        ReviewedLog reviewed = ReviewedLog.in(tmp);
        try (AuditLog l = reviewed.open(TestLogs.options())) {
            // seq 0 is the start record, 1 the checkpoint taken when the log is opened
            l.append(decision(3, "walk", "/media/a", Outcome.ALLOW, List.of("media-read"), 0)); // 2
            l.append(decision(3, "lcreate", "/etc/shadow", Outcome.DENY, List.of(), 13)); // 3
            l.append(decision(3, "write", "/cache/big", Outcome.ALLOW, List.of("cache-write"), 122)); // 4: quota
            AuditEvent.Decision hidden = decision(4, "walk", "/calibration", Outcome.DENY, List.of("hidden"), 2);
            l.append(hidden); // 5
            l.append(decision(4, "write", "/cache/small", Outcome.ALLOW, List.of("cache-write"), 0)); // 6
            l.append(decision(4, "write", "/cache/big2", Outcome.ALLOW, List.of("cache-write"), 122)); // 7: quota
            l.append(hidden.summarising(40, "/calibration", 9, 4, "repeat_of=5")); // 8
        }
        return reviewed.log();
    }

    private static AuditEvent.Decision decision(
            long session, String op, String path, Outcome outcome, List<String> rules, int errno) {
        return new AuditEvent.Decision(
                "infotainment",
                session,
                op,
                1,
                path,
                IDS,
                outcome,
                rules,
                "sha256:abc",
                errno,
                AuditEvent.NO_BYTES,
                null,
                1);
    }
}
