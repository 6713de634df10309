package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.LockTable;
import io.p9gate.gateway.budget.Allowance;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * One session's view of the gateway-wide byte-range lock table: the owners it locks as (counted against its VM's
 * lock budget) and what it releases when a fid is clunked or the session ends. Opaque outside the guarded layer;
 * locks are taken and tested through {@link GuardedFs}.
 */
public final class SessionLocks {
    private final LockTable table;
    private final long sessionId;
    private final Allowance budget;

    /**
     * @param table     the lock table every session of the gateway shares
     * @param sessionId this session's id
     * @param budget    the VM's lock budget, which this session's lock entries count against
     */
    public SessionLocks(LockTable table, long sessionId, Allowance budget) {
        this.table = table;
        this.sessionId = sessionId;
        this.budget = budget;
    }

    /** The owner the guest process ({@code procId}, {@code clientId}) of this session locks as. */
    public LockOwner owner(int procId, String clientId) {
        return new LockOwner(table, new LockTable.Owner(sessionId, procId, clientId, budget));
    }

    /** The owners of this session that hold a lock on the file of {@code handle} now. */
    public Set<LockOwner> holders(FileHandle handle) {
        Set<LockOwner> holding = new HashSet<>();
        for (LockTable.Range range : table.held(handle.node().key())) {
            if (range.owner().sessionId() == sessionId) {
                holding.add(new LockOwner(table, range.owner()));
            }
        }
        return holding;
    }

    /** Drops the locks {@code owners} hold on the file of {@code handle} (its fid was clunked). */
    public void release(FileHandle handle, Collection<LockOwner> owners) {
        for (LockOwner owner : owners) {
            table.release(handle.node().key(), owner.owner());
        }
    }

    /** Drops every lock of this session (the connection closed). */
    public void releaseSession() {
        table.releaseSession(sessionId);
    }
}
