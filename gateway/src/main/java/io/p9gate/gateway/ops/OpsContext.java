package io.p9gate.gateway.ops;

import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.LockTable;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.budget.OverBudget;
import io.p9gate.gateway.fs.GuardedFs;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.fs.Subject;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.session.ConnectionContext;
import java.util.Map;

/** What every handler of one session shares. */
record OpsContext(ConnectionContext connection, Map<String, LocalShare> shares, GuardedFs fs, Fids fids,
                  LockTable locks) {

    /**
     * Claims a fid of the VM's budget for a request that adds one, before it does any work; a refusal (EMFILE)
     * is recorded as a denial like any other (R-ROB-2). {@code at} is where the request starts (null: the root);
     * {@code adds} is false for a request that replaces its own fid (newfid == fid), which claims nothing.
     */
    Fids.Claim claimFid(Operation op, Subject who, LocalShare share, Node at, boolean adds, String detail)
            throws P9Exception {
        try {
            return fids.claim(adds);
        } catch (OverBudget e) {
            throw fs.overBudget(op, who, share, at, detail, e);
        }
    }
}
