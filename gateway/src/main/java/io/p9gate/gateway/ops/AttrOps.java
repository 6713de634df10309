package io.p9gate.gateway.ops;

import io.p9gate.gateway.fs.GuardedFs;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage.Rgetattr;
import io.p9gate.gateway.proto.RMessage.Rreadlink;
import io.p9gate.gateway.proto.RMessage.Rsetattr;
import io.p9gate.gateway.proto.RMessage.Rstatfs;
import io.p9gate.gateway.proto.TMessage.Tgetattr;
import io.p9gate.gateway.proto.TMessage.Treadlink;
import io.p9gate.gateway.proto.TMessage.Tsetattr;
import io.p9gate.gateway.proto.TMessage.Tstatfs;

/** Tgetattr, Tsetattr, Tstatfs, Treadlink. */
final class AttrOps {
    /** What Rgetattr always fills: the basic fields and the birth time (gen and data version are 0). */
    static final long FILLED = GuardedFs.Described.FILLED;

    private final OpsContext ctx;

    AttrOps(OpsContext ctx) {
        this.ctx = ctx;
    }

    Rgetattr getattr(Tgetattr t) throws P9Exception {
        Fid fid = ctx.fids().get(t.fid());
        return new Rgetattr(ctx.fs().getattr(fid.who(), fid.share(), fid.node()).attr());
    }

    Rsetattr setattr(Tsetattr t) throws P9Exception {
        Fid fid = ctx.fids().get(t.fid());
        ctx.fs().setattr(fid.who(), fid.share(), fid.node(), t.attr());
        return new Rsetattr();
    }

    Rstatfs statfs(Tstatfs t) throws P9Exception {
        Fid fid = ctx.fids().get(t.fid());
        return new Rstatfs(ctx.fs().statfs(fid.who(), fid.share(), fid.node()));
    }

    Rreadlink readlink(Treadlink t) throws P9Exception {
        Fid fid = ctx.fids().get(t.fid());
        return new Rreadlink(ctx.fs().readlink(fid.who(), fid.share(), fid.node()));
    }
}
