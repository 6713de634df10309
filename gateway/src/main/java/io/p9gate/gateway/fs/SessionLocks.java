package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.LockTable;
import io.p9gate.gateway.budget.Allowance;
import io.p9gate.gateway.proto.LockConstants;
import io.p9gate.gateway.proto.P9Exception;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

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
     * Shared by the session's Tlocks from their decision to their lock, taken alone by the re-decision after a
     * reload ({@link #redeciding}): a Tlock the old policy allowed has locked before the re-decision looks, or is
     * decided by the new policy.
     */
    private final ReadWriteLock deciding = new ReentrantReadWriteLock();

    /** A Tlock: decided and applied. */
    @FunctionalInterface
    public interface Locking {
        int lock() throws P9Exception;
    }

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

    /**
     * After a reload: the session's locks on the file of {@code handle} (its fid's, {@code who} the fid's subject,
     * {@code opened} its open file) are released if a Tlock through it would be refused now, and the release recorded
     * ({@link GuardedFs#releaseLocksIfRefused}). Where the session holds a write lock on the file and the fid is not
     * open for writing, that Tlock is a write lock's, which also asks OPEN_WRITE ({@link GuardedLocks#lock}): a
     * reload that makes the file read-only to the VM must not leave it holding the file against the VMs that may
     * write it. Run within {@link #redeciding}.
     *
     * @return whether locks were released
     */
    public boolean releaseIfRefused(GuardedFs fs, Subject who, FileHandle handle, OpenHandle opened)
            throws P9Exception {
        Set<LockOwner> holding = holders(handle);
        if (holding.isEmpty()) {
            return false; // released through another fid of the file, or by a clunk
        }
        String client = holding.iterator().next().owner().clientId();
        boolean writeLocked = table.held(handle.node().key()).stream()
                .anyMatch(r -> r.owner().sessionId() == sessionId && r.type() == LockConstants.LOCK_TYPE_WRLCK);
        var release = new RequestArgs.Lock(
                LockConstants.LOCK_TYPE_UNLCK,
                0,
                0,
                client,
                writeLocked && GuardedLocks.withoutWriteOpen(LockConstants.LOCK_TYPE_WRLCK, opened));
        return fs.releaseLocksIfRefused(who, handle, release, () -> release(handle, holding));
    }

    /** Runs a Tlock of this session, decision and lock, never while its locks are re-decided. */
    public int locking(Locking tlock) throws P9Exception {
        deciding.readLock().lock();
        try {
            return tlock.lock();
        } finally {
            deciding.readLock().unlock();
        }
    }

    /** Runs the re-decision of this session's locks after a reload while none of its Tlocks is under way. */
    public <T> T redeciding(Supplier<T> redecision) {
        deciding.writeLock().lock();
        try {
            return redecision.get();
        } finally {
            deciding.writeLock().unlock();
        }
    }

    /** Drops every lock of this session (the connection closed). */
    public void releaseSession() {
        table.releaseSession(sessionId);
    }
}
