package io.p9gate.gateway.ops;

import io.p9gate.gateway.fs.GuardedFs;
import io.p9gate.gateway.fs.LockOwner;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.LockConstants;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage.Rgetlock;
import io.p9gate.gateway.proto.RMessage.Rlock;
import io.p9gate.gateway.proto.TMessage.Tgetlock;
import io.p9gate.gateway.proto.TMessage.Tlock;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Tlock/Tgetlock against the gateway-wide lock table, on open fids only. A conflict answers LOCK_BLOCKED at once,
 * also for blocking requests: the Linux client sleeps and retries.
 */
final class LockOps {
    private final OpsContext ctx;

    LockOps(OpsContext ctx) {
        this.ctx = ctx;
    }

    /**
     * A lock belongs to an open file, as fcntl(2)'s does and as the Linux client sends it. The table is shared by
     * every session, so a lock through a fid that was only walked to let a guest that may not even open a file hold
     * it against every other session's writers.
     */
    private Fid opened(int number) throws P9Exception {
        Fid fid = ctx.fids().get(number);
        if (!(fid.state() instanceof FidState.Opened)) {
            throw new P9Exception(Errno.EBADF, "locks are taken on an open file");
        }
        return fid;
    }

    Rlock lock(Tlock t) throws P9Exception {
        Fid fid = opened(t.fid());
        LockOwner owner = ctx.locks().owner(t.procId(), t.clientId());
        int status = ctx.fs().lock(fid.who(), fid.handle(), owner, t.lockType(), t.start(), t.length());
        if (status == LockConstants.LOCK_SUCCESS && t.lockType() != LockConstants.LOCK_TYPE_UNLCK) {
            fid.lockOwners().add(owner);
            // A Tclunk (or a walk into this fid number) of the same session may have run meanwhile: it released the
            // owners it found, maybe before this one was added. A lock must not outlive the fid that took it (held
            // against every session until this one ends): served as if the clunk came just after, it goes now.
            // An open fid is only ever replaced by an install that releases it, so "not this Fid any more" is
            // "released". Added before the check, so one of the two releases sees the owner.
            if (ctx.fids().find(t.fid()) != fid) {
                ctx.locks().release(fid.handle(), Set.of(owner));
            }
            if (fid.lockOwners().size() > 1) {
                forgetOwnersWithoutLocks(fid);
            }
        }
        return new Rlock(status);
    }

    /**
     * The fid forgets the owners that no longer hold a lock on its file (they unlocked, here or through another fid),
     * at each lock that adds one, so it remembers at most the owners that held a lock at its last Tlock, and so
     * what the lock budget bounds. Kept until the clunk, every owner a guest ever named (any proc_id, a 255-byte
     * client_id) stayed in the heap, counted by no budget: locking and unlocking as ever new owners ran the gateway
     * out of memory for every VM (adversarial.LockOwnerChurnAttackTest). Costs a scan of the file's ranges, as the
     * lock itself did. An owner whose lock races this is looked for again after it is removed: its lock was taken
     * before it was added, so the second look sees it and it is put back.
     */
    private void forgetOwnersWithoutLocks(Fid fid) {
        Set<LockOwner> holding = ctx.locks().holders(fid.handle());
        List<LockOwner> forgotten = fid.lockOwners().stream()
                .filter(owner -> !holding.contains(owner))
                .toList();
        forgotten.forEach(fid.lockOwners()::remove);
        Set<LockOwner> holdingNow = ctx.locks().holders(fid.handle());
        for (LockOwner owner : forgotten) {
            if (holdingNow.contains(owner)) {
                fid.lockOwners().add(owner);
            }
        }
    }

    Rgetlock getlock(Tgetlock t) throws P9Exception {
        Fid fid = opened(t.fid());
        Optional<GuardedFs.HeldLock> conflict = ctx.fs()
                .getlock(
                        fid.who(),
                        fid.handle(),
                        ctx.locks().owner(t.procId(), t.clientId()),
                        t.lockType(),
                        t.start(),
                        t.length());
        if (conflict.isEmpty()) {
            return new Rgetlock(LockConstants.LOCK_TYPE_UNLCK, t.start(), t.length(), t.procId(), t.clientId());
        }
        GuardedFs.HeldLock held = conflict.get();
        return new Rgetlock(held.type(), held.start(), held.length(), held.procId(), held.clientId());
    }
}
