package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.RefusalBudget;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.budget.OverBudget;
import io.p9gate.gateway.budget.VmBudget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM reconnecting in a loop past its connection budget: each try comes from another pid or port, and that peer
 * made every refusal a kind of its own (64 records a window, not 2) once the refusal budget compared details.
 */
class ReconnectLoopRecordsTest {
    @TempDir
    Path tmp;

    @Test
    void refusalsThatDifferOnlyInTheirPeerAreOneKind() throws Exception {
        SignedLogs logs = SignedLogs.in(tmp);
        // A window far longer than the loop: every try falls in the first one.
        RefusalBudget budget = new RefusalBudget(Duration.ofMinutes(10), 64);
        try (SignedAuditTrail trail = logs.open(budget)) {
            RefusedConnections refusals = new RefusedConnections(trail);
            VmBudget alpha = new VmBudget("alpha", new Limits(1, 1, 1, 1, 1, 1, 1, 1), null);
            alpha.connections().acquire(1);
            OverBudget why =
                    assertThrows(OverBudget.class, () -> alpha.connections().acquire(1));
            for (int i = 0; i < 200; i++) {
                refusals.refused(alpha, "unix:/run/alpha.sock pid=" + (1000 + i) + " uid=0", why);
            }
        }
        List<AuditRecord> refused = logs.records().stream()
                .filter(AuditRecord::refused)
                .filter(r -> "alpha".equals(r.vm()))
                .toList();
        assertEquals(2, refused.size(), () -> "the first refusal and one summary, not " + refused.size());
        assertEquals(200, refused.stream().mapToLong(AuditRecord::requests).sum());
        assertEquals(
                "action=attach share= connection refused: peer=unix:/run/alpha.sock%20pid%3d1000%20uid%3d0",
                refused.getFirst().detail());
        String summary = refused.get(1).detail();
        assertTrue(
                summary.startsWith("action=attach share= connection refused: peer=varied sources=1"
                        + " source=unix:/run/alpha.sock repeat_of="),
                summary);
    }
}
