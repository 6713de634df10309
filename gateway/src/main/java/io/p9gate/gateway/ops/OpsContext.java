package io.p9gate.gateway.ops;

import io.p9gate.gateway.budget.OverBudget;
import io.p9gate.gateway.fs.GuardedFs;
import io.p9gate.gateway.fs.SessionLocks;
import io.p9gate.gateway.fs.SessionShares;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.session.ConnectionContext;

/** What every handler of one session shares. */
record OpsContext(ConnectionContext connection, SessionShares shares, GuardedFs fs, Fids fids, SessionLocks locks) {

    /** Records a budget's refusal as a denial of the request (through {@link GuardedFs}); what to throw. */
    @FunctionalInterface
    interface BudgetRefusal {
        P9Exception recorded(OverBudget refusal);
    }

    /**
     * Claims a fid of the VM's budget for a request that adds one, before it does any work (R-ROB-2); a refusal
     * (EMFILE) is recorded by {@code refusal} like any other denial. {@code adds} is false for a request that
     * replaces its own fid (newfid == fid), which claims nothing.
     */
    Fids.Claim claimFid(int newfid, boolean adds, BudgetRefusal refusal) throws P9Exception {
        try {
            return fids.claim(newfid, adds);
        } catch (OverBudget e) {
            throw refusal.recorded(e);
        }
    }
}
