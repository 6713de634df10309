package io.p9gate.gateway.ops;

import io.p9gate.gateway.fs.GuardedFs;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.fs.Subject;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.RMessage.Rattach;
import io.p9gate.gateway.proto.RMessage.Rclunk;
import io.p9gate.gateway.proto.RMessage.Rremove;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.TMessage.Tattach;
import io.p9gate.gateway.proto.TMessage.Tauth;
import io.p9gate.gateway.proto.TMessage.Tclunk;
import io.p9gate.gateway.proto.TMessage.Tremove;

/** Tauth, Tattach, Tclunk, Tremove: how fids come into being and go away. */
final class SessionOps {
    private final OpsContext ctx;

    SessionOps(OpsContext ctx) {
        this.ctx = ctx;
    }

    /**
     * Always fails: the VM's identity comes from the transport, not from a 9P auth exchange. ENOENT, as diod
     * answers without MUNGE: independent clients (diod's tools) take it, and only it, as "attach without auth".
     */
    RMessage auth(Tauth t) throws P9Exception {
        ctx.fs().auth(subject(t.nUname()), t.aname());
        throw new P9Exception(Errno.ENOENT, "no authentication required");
    }

    Rattach attach(Tattach t) throws P9Exception {
        if (t.afid() != TMessage.NOFID) {
            throw new P9Exception(Errno.EINVAL, "authentication is not used: afid must be NOFID");
        }
        Subject who = subject(t.nUname());
        try (Fids.Claim claim = ctx.claimFid(
                t.fid(), true, refusal -> ctx.fs().overBudget(Operation.ATTACH, who, t.aname(), refusal))) {
            GuardedFs.Attached attached = ctx.fs().attach(who, t.aname(), ctx.shares());
            try {
                ctx.fids().add(t.fid(), Fid.walked(attached.root(), who), claim);
            } catch (P9Exception e) {
                attached.root().close();
                throw e;
            }
            return new Rattach(attached.qid());
        }
    }

    /** n_uname if the guest sent one; a name alone acts as guest nobody (65534), not the overflow id. */
    private static Subject subject(int nUname) {
        int uid = nUname == TMessage.NONUNAME ? Subject.NOBODY : nUname;
        // 9P2000.L attach carries no group: requests that create files name their gid themselves.
        return new Subject(uid, Subject.NOBODY);
    }

    Rclunk clunk(Tclunk t) throws P9Exception {
        Fid fid = ctx.fids().remove(t.fid());
        try {
            if (fid.state() instanceof FidState.XattrWrite(var pending)) {
                ctx.fs().commitXattr(fid.who(), fid.handle(), pending);
            } else if (fid.state() instanceof FidState.OpenedByTopen o && o.removeOnClunk()) {
                // open(5) ORCLOSE: the clunk is the removal, decided and recorded as a Tremove would be.
                ctx.fs().remove(fid.who(), fid.handle());
            } else {
                ctx.fs().clunk(fid.who(), fid.handle());
            }
            return new Rclunk();
        } finally {
            fid.release(ctx.locks());
        }
    }

    /** Whether this Tclunk would only close its fid (an unknown fid too: its answer is EBADF). */
    boolean clunkOnlyCloses(Tclunk t) {
        Fid fid = ctx.fids().find(t.fid());
        return fid == null || !changesAtClunk(fid);
    }

    /** Whether the session's end changes the host beyond closing: a fid of it commits or removes at its clunk. */
    boolean endChanges() {
        return ctx.fids().any(SessionOps::changesAtClunk);
    }

    /** A pending xattr value is committed, an ORCLOSE file removed. */
    private static boolean changesAtClunk(Fid fid) {
        return fid.state() instanceof FidState.XattrWrite
                || fid.state() instanceof FidState.OpenedByTopen o && o.removeOnClunk();
    }

    /**
     * Removes the file, then clunks the fid, even when the removal fails. A Txattrcreate fid's value is dropped, not
     * committed: the Tremove is one request, decided as the removal (docs/protocol.md).
     */
    Rremove remove(Tremove t) throws P9Exception {
        Fid fid = ctx.fids().remove(t.fid());
        try {
            if (fid.state() instanceof FidState.XattrWrite(var pending)) {
                ctx.fs().removeDropping(fid.who(), fid.handle(), pending);
            } else {
                ctx.fs().remove(fid.who(), fid.handle());
            }
            return new Rremove();
        } finally {
            fid.release(ctx.locks());
        }
    }
}
