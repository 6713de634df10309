package io.p9gate.audit.cli;

import io.p9gate.audit.AuditLog;
import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.SigningKey;
import java.nio.file.Path;

/** A log under review: the directory {@code tmp/log}, its signing key and the reviewer's {@code tmp/audit.pub}. */
record ReviewedLog(Path log, Path pub, SigningKey key) {
    static ReviewedLog in(Path tmp) throws Exception {
        SigningKey key = TestLogs.key("ecu-a-audit");
        Path pub = tmp.resolve("audit.pub");
        KeyFiles.writeKeyPair(key, tmp.resolve("audit.key"), pub);
        return new ReviewedLog(tmp.resolve("log"), pub, key);
    }

    AuditLog open(AuditOptions options) throws Exception {
        return AuditLog.open(log, key, options);
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
