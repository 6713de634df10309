package io.p9gate.gateway.ops;

import io.p9gate.gateway.fs.FileHandle;
import io.p9gate.gateway.fs.HeldXattr;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.fs.PendingXattr;
import io.p9gate.gateway.fs.RequestArgs;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage.Rxattrcreate;
import io.p9gate.gateway.proto.RMessage.Rxattrwalk;
import io.p9gate.gateway.proto.TMessage.Txattrcreate;
import io.p9gate.gateway.proto.TMessage.Txattrwalk;

/**
 * Txattrwalk (name "" lists the names) makes a read-only fid holding the value; Txattrcreate turns
 * a fid into a value being written, committed when it is clunked.
 */
final class XattrOps {
    private final OpsContext ctx;

    XattrOps(OpsContext ctx) {
        this.ctx = ctx;
    }

    Rxattrwalk xattrwalk(Txattrwalk t) throws P9Exception {
        Fid fid = ctx.fids().file(t.fid());
        Operation op = t.name().isEmpty() ? Operation.XATTR_LIST : Operation.XATTR_GET;
        RequestArgs args = t.name().isEmpty() ? RequestArgs.NONE : new RequestArgs.Xattr(t.name());
        try (Fids.Claim claim = ctx.claimFid(
                        t.newfid(),
                        t.newfid() != t.fid(),
                        refusal -> ctx.fs().overBudget(op, fid.who(), fid.handle(), args, refusal));
                Fids.Held inPlace = ctx.fids().inPlace(t.fid(), t.newfid(), fid)) {
            // The reader's own reference, taken before the claim: a clunk of the fid after it cannot take it away.
            FileHandle held = fid.handle().duplicate();
            HeldXattr value;
            try {
                value = t.name().isEmpty()
                        ? ctx.fs().xattrList(fid.who(), fid.handle(), inPlace)
                        : ctx.fs().xattrGet(fid.who(), fid.handle(), t.name(), inPlace);
            } catch (P9Exception | RuntimeException e) {
                held.close();
                throw e;
            }
            Fid reader = Fid.walked(held, fid.who()).withState(new FidState.XattrRead(t.name(), value));
            ctx.fids().install(t.fid(), fid, t.newfid(), reader, ctx.locks(), claim, inPlace);
            return new Rxattrwalk(value.bytes().length);
        }
    }

    Rxattrcreate xattrcreate(Txattrcreate t) throws P9Exception {
        Fid fid = ctx.fids().get(t.fid());
        if (!Fids.walked(t.fid(), fid)) {
            throw ctx.fs().refusedXattrCreateOnOpenFid(fid.who(), fid.handle(), t.name(), t.attrSize(), t.flags());
        }
        // The fid is claimed inside the guarded call, so a clunk meanwhile is the EBADF of its record, or waits.
        try (Fids.Held claim = ctx.fids().hold(t.fid(), fid)) {
            PendingXattr pending =
                    ctx.fs().xattrCreate(fid.who(), fid.handle(), t.name(), t.attrSize(), t.flags(), claim);
            if (!claim.complete(fid.withState(new FidState.XattrWrite(pending)))) {
                pending.release();
            }
            return new Rxattrcreate();
        }
    }
}
