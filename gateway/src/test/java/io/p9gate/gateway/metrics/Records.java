package io.p9gate.gateway.metrics;

import io.p9gate.audit.AuditEvent;
import io.p9gate.audit.Durability;
import io.p9gate.audit.IdMapping;
import io.p9gate.audit.LifecycleKind;
import io.p9gate.audit.Outcome;
import io.p9gate.gateway.auditing.AuditObserver;
import io.p9gate.gateway.fs.RecordPhase;
import java.util.List;

/** Audit records as the signed trail hands them to its observer, for tests that need no log. */
final class Records {
    private Records() {}

    static AuditObserver.WrittenRecord read(String vm, long bytes) {
        return written(new AuditEvent.Decision(
                vm,
                1,
                "read",
                1,
                "/f",
                new IdMapping(0, 0, 0, 0),
                Outcome.ALLOW,
                List.of("all"),
                "sha256:p",
                0,
                bytes,
                "action=read share=s",
                1));
    }

    static AuditObserver.WrittenRecord deniedWalks(String vm, long count) {
        return written(new AuditEvent.Decision(
                vm,
                1,
                "walk",
                1,
                "/secret",
                new IdMapping(0, 0, 0, 0),
                Outcome.DENY,
                List.of("hidden"),
                "sha256:p",
                13,
                AuditEvent.NO_BYTES,
                "action=walk share=s",
                count));
    }

    static AuditObserver.WrittenRecord attached(String vm) {
        return written(new AuditEvent.Lifecycle(LifecycleKind.SESSION_ATTACH, vm, 1, null, "peer=test"));
    }

    private static AuditObserver.WrittenRecord written(AuditEvent event) {
        return new AuditObserver.WrittenRecord(event, RecordPhase.DONE, Durability.WRITTEN, 1000);
    }
}
