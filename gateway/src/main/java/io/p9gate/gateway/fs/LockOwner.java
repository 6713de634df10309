package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.LockTable;

/**
 * Who locks: a guest process of one session, in the lock table it locks in ({@link SessionLocks#owner}). Equal
 * exactly when the table's owners are, so that a fid remembers each owner that locked through it once.
 */
public final class LockOwner {
    private final LockTable table;
    private final LockTable.Owner owner;

    LockOwner(LockTable table, LockTable.Owner owner) {
        this.table = table;
        this.owner = owner;
    }

    LockTable table() {
        return table;
    }

    LockTable.Owner owner() {
        return owner;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LockOwner o && o.table == table && o.owner.equals(owner);
    }

    @Override
    public int hashCode() {
        return owner.hashCode();
    }
}
