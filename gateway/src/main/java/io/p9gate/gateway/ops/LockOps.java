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
import java.util.Optional;

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
        }
        return new Rlock(status);
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
