package io.p9gate.audit.cli;

import io.p9gate.audit.AuditEvent;
import io.p9gate.audit.AuditLog;
import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.IdMapping;
import io.p9gate.audit.Outcome;
import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.SigningKey;
import java.nio.file.Path;
import java.util.List;

/** A log under review: the directory {@code tmp/log}, its signing key and the reviewer's {@code tmp/audit.pub}. */
record ReviewedLog(Path log, Path pub, SigningKey key) {
    static ReviewedLog in(Path tmp) throws Exception {
        SigningKey key = TestLogs.key("ecu-a-audit");
        Path pub = tmp.resolve("audit.pub");
        KeyFiles.writeKeyPair(key, tmp.resolve("audit.key"), pub);
        return new ReviewedLog(tmp.resolve("log"), pub, key);
    }

    /** A reviewed log in {@code tmp} holding {@code n} decisions ({@link #openWithDecisions}), closed. */
    static ReviewedLog withDecisions(Path tmp, int n) throws Exception {
        ReviewedLog reviewed = in(tmp);
        reviewed.openWithDecisions(n).close();
        return reviewed;
    }

    AuditLog open(AuditOptions options) throws Exception {
        return AuditLog.open(log, key, options);
    }

    /** Writes a log of one decision of VM vm-a, session 1, tag 3, ids 1, policy sha256:abc, moving no bytes. */
    void writeDecision(String op, String path, Outcome outcome, List<String> rules, int errno, String detail)
            throws Exception {
        try (AuditLog l = open(TestLogs.options())) {
            l.append(decision("vm-a", op, path, outcome, rules, errno, detail));
        }
    }

    /** A decision of {@code vm} at {@code path}, by session 1, tag 3. */
    static AuditEvent.Decision decision(
            String vm, String op, String path, Outcome outcome, List<String> rules, int errno, String detail) {
        return new AuditEvent.Decision(
                vm,
                1,
                op,
                3,
                path,
                new IdMapping(1, 1, 1, 1),
                outcome,
                rules,
                "sha256:abc",
                errno,
                AuditEvent.NO_BYTES,
                detail,
                1);
    }

    /** Opens the log with small segments and writes {@link TestLogs#decision} 0..n-1: several segments and checkpoints. */
    AuditLog openWithDecisions(int n) throws Exception {
        AuditLog l = open(TestLogs.options().withMaxSegmentBytes(4000));
        for (int i = 0; i < n; i++) {
            l.append(TestLogs.decision(i));
        }
        return l;
    }
}
