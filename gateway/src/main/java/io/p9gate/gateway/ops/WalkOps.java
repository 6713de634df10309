package io.p9gate.gateway.ops;

import io.p9gate.gateway.fs.GuardedFs;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.fs.RequestArgs;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage.Rwalk;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.TMessage.Twalk;

/** Twalk: clone (no names), full walk (newfid installed) or partial walk (qids only). */
final class WalkOps {
    private final OpsContext ctx;

    WalkOps(OpsContext ctx) {
        this.ctx = ctx;
    }

    Rwalk walk(Twalk t) throws P9Exception {
        if (t.names().size() > TMessage.MAXWELEM) {
            throw new P9Exception(Errno.EINVAL, "more than " + TMessage.MAXWELEM + " names in one walk");
        }
        Fid from = ctx.fids().file(t.fid());
        try (Fids.Claim claim = ctx.claimFid(
                        t.newfid(),
                        t.newfid() != t.fid(),
                        refusal -> ctx.fs()
                                .overBudget(
                                        Operation.WALK,
                                        from.who(),
                                        from.handle(),
                                        new RequestArgs.Walk(t.names()),
                                        refusal));
                Fids.Held inPlace = ctx.fids().inPlace(t.fid(), t.newfid(), from)) {
            GuardedFs.Walked walked = ctx.fs().walk(from.who(), from.handle(), t.names(), inPlace);
            if (walked.handle() == null) {
                return new Rwalk(walked.qids());
            }
            ctx.fids()
                    .install(
                            t.fid(),
                            from,
                            t.newfid(),
                            Fid.walked(walked.handle(), from.who()),
                            ctx.locks(),
                            claim,
                            inPlace);
            return new Rwalk(walked.qids());
        }
    }
}
