package io.p9gate.gateway.ops;

import io.p9gate.gateway.fs.GuardedFs;
import io.p9gate.gateway.fs.LockOwner;
import io.p9gate.gateway.fs.OpenHandle;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.LockConstants;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage.Rgetlock;
import io.p9gate.gateway.proto.RMessage.Rlock;
import io.p9gate.gateway.proto.TMessage.Tgetlock;
import io.p9gate.gateway.proto.TMessage.Tlock;
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
    private OpenedFid opened(int number) throws P9Exception {
        Fid fid = ctx.fids().get(number);
        if (!(fid.state() instanceof FidState.Opened(var file))) {
            throw new P9Exception(Errno.EBADF, "locks are taken on an open file");
        }
        return new OpenedFid(fid, file);
    }

    /** A fid open for I/O and its open file, whose access mode decides what a write lock through it asks. */
    private record OpenedFid(Fid fid, OpenHandle file) {}

    Rlock lock(Tlock t) throws P9Exception {
        OpenedFid opened = opened(t.fid());
        Fid fid = opened.fid();
        LockOwner owner = ctx.locks().owner(t.procId(), t.clientId());
        boolean locked = false;
        try {
            // Decided and taken while no reload re-decides the session's locks (SessionLocks.locking).
            int status = ctx.locks()
                    .locking(() -> ctx.fs()
                            .lock(
                                    fid.who(),
                                    fid.handle(),
                                    opened.file(),
                                    owner,
                                    fid.lockOwners(),
                                    t.lockType(),
                                    t.start(),
                                    t.length()));
            locked = status == LockConstants.LOCK_SUCCESS && t.lockType() != LockConstants.LOCK_TYPE_UNLCK;
            return new Rlock(status);
        } finally {
            // A Tclunk (or a walk into this fid number) of the same session may have run meanwhile: it released the
            // owners it found, maybe before this one was remembered. A lock must not outlive the fid that took it
            // (held against every session until this one ends): served as if the clunk came just after, it goes now.
            // An open fid is only ever replaced by an install that releases it, so "not this Fid any more" is
            // "released". Remembered before the lock, so one of the two releases sees the owner.
            if (ctx.fids().find(t.fid()) != fid) {
                if (locked) {
                    ctx.locks().release(fid.handle(), Set.of(owner));
                }
                fid.lockOwners().forget(owner); // its entry, if remembered after the clunk let go of the others
            } else {
                // Kept until the clunk, every owner a guest ever named (any proc_id, a 255-byte client_id) stayed in
                // the heap: locking and unlocking as ever new owners ran the gateway out of memory for every VM
                // (adversarial.LockOwnerChurnAttackTest). Costs a scan of the file's ranges, as the lock itself did.
                fid.lockOwners().forgetOwnersWithoutLocks(ctx.locks(), fid.handle());
            }
        }
    }

    Rgetlock getlock(Tgetlock t) throws P9Exception {
        Fid fid = opened(t.fid()).fid();
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
