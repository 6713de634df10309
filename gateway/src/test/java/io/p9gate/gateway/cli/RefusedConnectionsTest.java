package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.budget.OverBudget;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.fs.RecordPhase;
import io.p9gate.gateway.proto.Errno;
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
                "connection refused: unix:/run/alpha.sock pid=42 uid=0",
                entry.request().detail());
    }
}
