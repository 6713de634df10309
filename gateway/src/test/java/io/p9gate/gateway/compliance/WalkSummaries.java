package io.p9gate.gateway.compliance;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.proto.Errno;
import java.util.List;

/** Refusal summaries of walks refused ENOENT, as the gateway writes them, for tests of {@link RefusalSummaries}. */
final class WalkSummaries {
    private WalkSummaries() {}

    /** A summary of VM "vm" counting {@code count} walks at {@code path} (as stored); its detail ends with its mark. */
    static AuditRecord of(long seq, String path, String decision, String rule, String detail, long count) {
        return new AuditRecord(
                seq,
                "b",
                "2026-11-25T11:56:21.019779Z",
                "decision",
                "vm",
                1L,
                "walk",
                7,
                path,
                0L,
                0L,
                0L,
                0L,
                decision,
                List.of(rule),
                "sha256:x",
                Errno.ENOENT.code(),
                null,
                count,
                detail,
                "00");
    }
}
