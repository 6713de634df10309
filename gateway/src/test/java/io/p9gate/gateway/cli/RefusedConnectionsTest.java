package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.budget.OverBudget;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.fs.RecordPhase;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.testing.LoggedLines;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A connection refused by a VM's connection budget becomes one denial record (R-ROB-2, R-AUD-1). */
class RefusedConnectionsTest {

    @Test
    void aRefusedConnectionIsRecordedAsAnAttachDeniedByTheBudget() throws Exception {
        List<AuditEntry> records = new ArrayList<>();
        RefusedConnections refusals = new RefusedConnections(entry -> {
            records.add(entry);
            return records.size();
        });
        VmBudget vm = new VmBudget("alpha", new Limits(1, 1, 1, 1, 1, 1, 1, 1), null);
        vm.connections().acquire(1);
        OverBudget why = assertThrows(OverBudget.class, () -> vm.connections().acquire(1));
        refusals.refused(vm, "unix:/run/alpha.sock pid=42 uid=0", why);

        AuditEntry entry = records.getFirst();
        assertEquals("alpha", entry.request().vm());
        assertEquals(Operation.ATTACH, entry.request().operation());
        assertEquals(RecordPhase.DONE, entry.phase());
        assertFalse(entry.decision().allowed());
        assertEquals(List.of("budget.connections"), entry.decision().ruleIds());
        assertEquals(Errno.ECONNREFUSED, entry.outcome().errno());
        assertEquals(
                "connection refused: peer=unix:/run/alpha.sock%20pid%3d42%20uid%3d0",
                entry.request().detail());
    }

    /**
     * A VM reconnecting in a loop past its connection budget while the audit log refuses its records: each refusal
     * used to log a line (5,041 in one run); now one line a minute per VM, the next one counting those left out.
     */
    @Test
    void refusalsThatCannotBeRecordedAreLoggedOnceAMinutePerVm() throws Exception {
        RefusedConnections refusals = new RefusedConnections(entry -> {
            throw new P9Exception(Errno.EIO, "audit log disk budget: refusing everything");
        });
        VmBudget alpha = new VmBudget("alpha", new Limits(1, 1, 1, 1, 1, 1, 1, 1), null);
        VmBudget beta = new VmBudget("beta", new Limits(1, 1, 1, 1, 1, 1, 1, 1), null);
        alpha.connections().acquire(1);
        OverBudget why =
                assertThrows(OverBudget.class, () -> alpha.connections().acquire(1));
        List<String> lines;
        try (LoggedLines logged = new LoggedLines(RefusedConnections.class.getName())) {
            for (int i = 0; i < 500; i++) {
                refusals.refused(alpha, "unix:/run/alpha.sock pid=" + i, why);
                refusals.refused(beta, "unix:/run/beta.sock pid=" + i, why);
            }
            lines = logged.startingWith("");
        }
        assertEquals(2, lines.size(), "one line per VM for 1,000 refusals, the first: " + lines.getFirst());
        assertTrue(lines.stream().anyMatch(l -> l.contains("VM alpha")), lines::toString);
        assertTrue(lines.stream().anyMatch(l -> l.contains("VM beta")), lines::toString);
    }
}
