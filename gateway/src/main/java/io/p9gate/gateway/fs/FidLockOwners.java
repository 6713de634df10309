package io.p9gate.gateway.fs;

import io.p9gate.gateway.budget.OverBudget;
import io.p9gate.gateway.proto.LockConstants;
import io.p9gate.gateway.proto.P9Exception;
import java.io.Serial;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lock owners that locked through one fid, so that its clunk releases their locks. Each one remembered is an
 * entry of its VM's lock budget, as a range in the lock table is: remembered by every fid it locked through, owners
 * holding locks within the budget, each locking through each of thousands of open fids, made owners x fids entries
 * (about 400 bytes each) that no budget counted. Safe for the concurrent requests of a session: whoever removes an
 * owner gives its entry back.
 */
public final class FidLockOwners {
    /** Each owner remembered, with the number of its Tlocks through this fid under way (guarded by compute). */
    private final ConcurrentHashMap<LockOwner, Locking> owners = new ConcurrentHashMap<>();

    private static final class Locking {
        int underWay;
    }

    /** The table's lock call, run while its owner is remembered. */
    @FunctionalInterface
    interface LockCall {
        int lock() throws P9Exception;
    }

    /** Carries a refusal out of {@link ConcurrentHashMap#compute}, which takes no checked exception. */
    private static final class Refused extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        Refused(OverBudget cause) {
            super(cause);
        }
    }

    /**
     * Runs {@code call} (a lock of {@code type}) with {@code owner} remembered: taking one entry of its VM's lock
     * budget first unless the fid remembers it already, so that no lock is held that the fid's clunk would not
     * release. An unlock remembers nothing.
     *
     * @throws OverBudget ENOLCK ({@code budget.locks}) when the owner is new to the fid and the VM has no entry left
     */
    int lock(LockOwner owner, int type, LockCall call) throws P9Exception {
        if (type == LockConstants.LOCK_TYPE_UNLCK) {
            return call.lock();
        }
        try {
            owners.compute(owner, (k, locking) -> {
                Locking held = locking != null ? locking : charged(owner);
                held.underWay++;
                return held;
            });
        } catch (Refused r) {
            throw (OverBudget) r.getCause();
        }
        try {
            return call.lock();
        } finally {
            owners.computeIfPresent(owner, (k, locking) -> {
                locking.underWay--;
                return locking;
            });
        }
    }

    private static Locking charged(LockOwner owner) {
        try {
            owner.owner().entries().acquire(1);
        } catch (OverBudget e) {
            throw new Refused(e);
        }
        return new Locking();
    }

    /** Removes {@code owner} unless a Tlock of it through this fid is under way; whether this call removed it. */
    private boolean removeIfIdle(LockOwner owner) {
        boolean[] removed = {false};
        owners.computeIfPresent(owner, (k, locking) -> {
            if (locking.underWay > 0) {
                return locking;
            }
            removed[0] = true;
            return null;
        });
        return removed[0];
    }

    /** Drops the locks of every owner remembered on the fid's file and forgets them (the fid is clunked). */
    public void releaseAll(SessionLocks locks, FileHandle handle) {
        for (LockOwner owner : owners.keySet()) {
            locks.release(handle, List.of(owner));
            forget(owner);
        }
    }

    /** The owners remembered now. */
    Set<LockOwner> remembered() {
        return Set.copyOf(owners.keySet());
    }

    /** Whether no owner locked through this fid (or all were forgotten). */
    public boolean isEmpty() {
        return owners.isEmpty();
    }

    /** Forgets {@code owner}, giving its entry back. */
    public void forget(LockOwner owner) {
        if (owners.remove(owner) != null) {
            owner.owner().entries().release(1);
        }
    }

    /**
     * Forgets the owners that hold no lock on the fid's file now ({@code locks} of its session) and have no Tlock
     * through this fid under way. A Tlock that ended after the first look took its lock before this removal, so a
     * second look after it sees the lock and the owner is put back, still counted.
     */
    public void forgetOwnersWithoutLocks(SessionLocks locks, FileHandle handle) {
        if (owners.isEmpty()) {
            return;
        }
        Set<LockOwner> holding = locks.holders(handle);
        List<LockOwner> removed = owners.keySet().stream()
                .filter(owner -> !holding.contains(owner))
                .filter(this::removeIfIdle)
                .toList();
        if (removed.isEmpty()) {
            return;
        }
        Set<LockOwner> holdingNow = locks.holders(handle);
        for (LockOwner owner : removed) {
            if (!(holdingNow.contains(owner) && owners.putIfAbsent(owner, new Locking()) == null)) {
                owner.owner().entries().release(1);
            }
        }
    }
}
