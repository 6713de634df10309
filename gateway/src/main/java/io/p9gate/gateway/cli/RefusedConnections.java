package io.p9gate.gateway.cli;

import io.p9gate.audit.DetailWords;
import io.p9gate.gateway.budget.Budgets;
import io.p9gate.gateway.budget.OverBudget;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.codec.PeerCausedLog;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.proto.P9Exception;
import java.util.List;

/**
 * Records each connection a VM's connection budget refused as a denial (R-ROB-2, R-AUD-1): operation attach
 * (the VM was trying to mount), no session, rule {@code budget.connections}, errno ECONNREFUSED, the peer in
 * the detail as one {@code peer=} word. There is no session to fail if the record cannot be written: the connection is closed anyway.
 * Public for the tests' policy-served gateway (policyadapter.MutantGateway), which records them as serve does.
 */
public final class RefusedConnections implements Budgets.ConnectionRefusals {
    private static final System.Logger LOG = System.getLogger(RefusedConnections.class.getName());
    /** A VM reconnecting in a loop while the log refuses its records: one line a minute per VM, not one per try. */
    private final PeerCausedLog unrecorded = new PeerCausedLog(LOG, System.Logger.Level.WARNING);

    private final AuditTrail trail;

    public RefusedConnections(AuditTrail trail) {
        this.trail = trail;
    }

    @Override
    public void refused(VmBudget vm, String peer, OverBudget why) {
        try {
            trail.record(AuditEntry.refusedConnection(
                    vm.vm(),
                    "connection refused: " + DetailWords.peer(peer),
                    Decision.deny(why.errno(), List.of(why.rule())),
                    why.errno()));
        } catch (P9Exception | RuntimeException e) {
            unrecorded.log(
                    PeerCausedLog.key(vm.vm()),
                    () -> "audit: cannot record a refused connection of VM " + vm.vm() + ": " + e.getMessage());
        }
    }
}
