package io.p9gate.gateway.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.RefusalBudget;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.session.ConnectionContext;
import io.p9gate.gateway.session.IdentityInForce;
import io.p9gate.policy.dialect.Dialect;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest reconnecting to send a refused Tversion again and again: the peer (its port) must not make each a kind
 * of its own, while the dialect it asked for still does.
 */
class RefusedDialectRecordsTest {
    @TempDir
    Path tmp;

    @Test
    void refusedDialectsFromManyPortsAreOneKindPerDialect() throws Exception {
        SignedLogs logs = SignedLogs.in(tmp);
        RefusalBudget budget = new RefusalBudget(Duration.ofMinutes(10), 64);
        try (SignedAuditTrail trail = logs.open(budget)) {
            for (int i = 0; i < 100; i++) {
                for (Dialect d : List.of(Dialect.U, Dialect.LEGACY)) {
                    ConnectionContext c = new ConnectionContext(
                            "tcp:10.0.0.1:564",
                            "tcp:10.0.0.9:" + (40000 + i),
                            i,
                            8192,
                            0,
                            "alpha",
                            VmBudget.unlimited("alpha"),
                            d,
                            IdentityInForce.LISTENER_IS_VM);
                    RefusedDialect.record(trail, "alpha", c);
                }
            }
        }
        List<AuditRecord> refused = logs.records().stream()
                .filter(AuditRecord::refused)
                .filter(r -> "alpha".equals(r.vm()))
                .toList();
        assertEquals(4, refused.size(), () -> "per dialect the first refusal and one summary: " + details(refused));
        assertEquals(200, refused.stream().mapToLong(AuditRecord::requests).sum());
        assertEquals(
                "action=attach share= dialect 9P2000.u refused: peer=tcp:10.0.0.9:40000",
                refused.getFirst().detail());
        assertTrue(
                refused.stream()
                        .anyMatch(r -> r.detail()
                                .startsWith("action=attach share= dialect 9P2000 refused: peer=varied sources=1"
                                        + " source=tcp:10.0.0.9 repeat_of=")),
                () -> details(refused));
    }

    private static String details(List<AuditRecord> records) {
        return records.stream().limit(8).map(r -> r.count() + "x " + r.detail()).toList() + " of " + records.size();
    }
}
