package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.FileKey;
import io.p9gate.gateway.backend.LockTable;
import io.p9gate.gateway.budget.Allowance;
import io.p9gate.gateway.proto.LockConstants;
import io.p9gate.gateway.proto.P9Exception;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
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

    /** A fid of this session through which its owners locked: who it acts as, its file, its open, its owners. */
    public record LockingFid(Subject who, FileHandle handle, OpenHandle opened, FidLockOwners owners) {}

    /** A lock type an owner of this session holds on a file, which a fid it locked through would let it take now. */
    private record Kept(FileKey file, LockOwner owner, int type) {}

    /**
     * A lock type a fid's owners hold that the reload refuses through it, and whether a read lock through it is still
     * allowed (a write lock then becomes one).
     */
    private record Refusal(LockingFid fid, int type, boolean readStays) {}

    /** The lock types a reload re-decides, each as a Tlock of it would be asked (a write lock also OPEN_WRITE). */
    private static final List<Integer> HELD_TYPES =
            List.of(LockConstants.LOCK_TYPE_RDLCK, LockConstants.LOCK_TYPE_WRLCK);

    /**
     * After a reload: each lock type an owner of this session holds on a file, through the {@code fids} it locked
     * through, is decided again as a Tlock of that type through each of them would be now; where none of them would
     * be allowed, that owner's locks of that type are released (a write lock it may still take as a read lock becomes
     * one), recorded as the refusal through the fid
     * ({@link GuardedFs#releaseLocksIfRefused}, one record per fid and type). What the owner may still take (a read
     * lock where only writing was taken away; a lock through another fid, maybe another uid's attach, still allowed)
     * stays: a reload must not take a VM's locks it may hold. The policy is asked while the audit log cannot record
     * too (the question records nothing), and a refusal then releases unrecorded: this runs once per reload, and a
     * lock kept then stayed held against other VMs after the log recovered (LockReloadAuditDownAttackTest). Every fid of a file released forgets the owners left without locks. Run within
     * {@link #redeciding}.
     *
     * @return how many files' locks were released
     */
    public int releaseRefused(GuardedFs fs, List<LockingFid> fids) {
        Set<Kept> kept = new HashSet<>();
        List<Refusal> refused = new ArrayList<>();
        for (LockingFid fid : fids) {
            for (int type : HELD_TYPES) {
                List<LockOwner> holding = holding(fid, type);
                if (holding.isEmpty()) {
                    continue;
                }
                if (allowedNow(fs, fid, type, holding.getFirst())) {
                    FileKey file = fid.handle().node().key();
                    fid.owners().remembered().forEach(owner -> kept.add(new Kept(file, owner, type)));
                } else {
                    boolean readStays = type == LockConstants.LOCK_TYPE_WRLCK
                            && allowedNow(fs, fid, LockConstants.LOCK_TYPE_RDLCK, holding.getFirst());
                    refused.add(new Refusal(fid, type, readStays));
                }
            }
        }
        // A write lock its owner may still take as a read lock through one fid becomes one whichever fid comes first:
        // those fids go first. Met first, a fid allowing no read released the lock entirely, and the fid allowing
        // one then found nothing to keep (WriteLockReloadAttackTest).
        refused.sort(Comparator.comparing(r -> !r.readStays()));
        Set<FileKey> released = new HashSet<>();
        for (Refusal r : refused) {
            if (releaseRefused(fs, r, kept)) {
                released.add(r.fid().handle().node().key());
            }
        }
        // Every fid of a file released forgets the owners left without locks there, not only the fid whose
        // re-decision released them: another fid the owner locked through kept it, an entry of the VM's lock budget
        // counted for nothing until that fid's next Tlock or clunk.
        for (LockingFid fid : fids) {
            if (released.contains(fid.handle().node().key())) {
                fid.owners().forgetOwnersWithoutLocks(this, fid.handle());
            }
        }
        return released.size();
    }

    /**
     * Whether a Tlock of {@code type} through {@code fid} would be allowed now; one the gateway refuses before asking
     * the policy is not (fail closed).
     */
    private static boolean allowedNow(GuardedFs fs, LockingFid fid, int type, LockOwner holder) {
        try {
            return fs.lockAllowedNow(fid.who(), fid.handle(), wholeFile(fid, type, holder));
        } catch (P9Exception e) {
            return false;
        } catch (RuntimeException e) {
            UnexpectedFaults.log("re-deciding a lock after a reload", e);
            return true;
        }
    }

    /**
     * Releases, recorded, the locks of {@code type} of {@code fid}'s owners that no fid of theirs lets them keep. A
     * write lock where a read lock through the fid is still allowed (only writing was taken away) becomes a read lock
     * of the same ranges: the owner may take that now, and its process, which believes it holds the range
     * exclusively, is not left with no lock at all while another VM's writers change the file under it.
     */
    private boolean releaseRefused(GuardedFs fs, Refusal refusal, Set<Kept> kept) {
        LockingFid fid = refusal.fid();
        int type = refusal.type();
        boolean readStays = refusal.readStays();
        FileKey file = fid.handle().node().key();
        List<LockOwner> losing = holding(fid, type).stream()
                .filter(owner -> !kept.contains(new Kept(file, owner, type)))
                .toList();
        if (losing.isEmpty()) {
            return false; // kept through another fid, or released through one already
        }
        try {
            return fs.releaseLocksIfRefused(
                    fid.who(),
                    fid.handle(),
                    wholeFile(fid, type, losing.getFirst()),
                    readStays ? "released=reload kept=read" : "released=reload",
                    () -> losing.forEach(owner -> {
                        if (readStays) {
                            table.downgrade(file, owner.owner());
                            // A read lock the owner may take: a later read refusal through another fid that
                            // remembers it (decided before this lock was a read lock) must not take it.
                            kept.add(new Kept(file, owner, LockConstants.LOCK_TYPE_RDLCK));
                        } else {
                            table.release(file, owner.owner(), type);
                        }
                    }));
        } catch (P9Exception e) {
            return false; // refused before the policy was asked (ChokePoint#requireValidNames): nothing released
        } catch (RuntimeException e) {
            UnexpectedFaults.log("releasing a lock after a reload", e);
            return false;
        }
    }

    /** The owners {@code fid} remembers that hold a lock of {@code type} on its file now. */
    private List<LockOwner> holding(LockingFid fid, int type) {
        Set<LockOwner> remembered = fid.owners().remembered();
        return table.held(fid.handle().node().key()).stream()
                .filter(r -> r.owner().sessionId() == sessionId && r.type() == type)
                .map(r -> new LockOwner(table, r.owner()))
                .filter(remembered::contains)
                .distinct()
                .toList();
    }

    /**
     * A Tlock of {@code type} of the whole file through {@code fid} by {@code holder} (one of the owners holding such
     * locks there): what the re-decision asks and records.
     */
    private static RequestArgs.Lock wholeFile(LockingFid fid, int type, LockOwner holder) {
        return new RequestArgs.Lock(
                type, 0, 0, holder.owner().clientId(), GuardedLocks.withoutWriteOpen(type, fid.opened()));
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
