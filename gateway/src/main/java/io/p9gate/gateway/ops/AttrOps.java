package io.p9gate.gateway.ops;

import io.p9gate.gateway.proto.Frame;
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
    /** size[4] type[1] tag[2] and the target's length[2] before its bytes in Rreadlink. */
    private static final int RREADLINK_HEADER = Frame.HEADER_SIZE + 2;

    private final OpsContext ctx;

    AttrOps(OpsContext ctx) {
        this.ctx = ctx;
    }

    Rgetattr getattr(Tgetattr t) throws P9Exception {
        Fid fid = ctx.fids().file(t.fid());
        return new Rgetattr(ctx.fs().getattr(fid.who(), fid.handle()).attr());
    }

    Rsetattr setattr(Tsetattr t) throws P9Exception {
        Fid fid = ctx.fids().file(t.fid());
        ctx.fs().setattr(fid.who(), fid.handle(), t.attr());
        return new Rsetattr();
    }

    Rstatfs statfs(Tstatfs t) throws P9Exception {
        Fid fid = ctx.fids().file(t.fid());
        return new Rstatfs(ctx.fs().statfs(fid.who(), fid.handle()));
    }

    Rreadlink readlink(Treadlink t) throws P9Exception {
        Fid fid = ctx.fids().file(t.fid());
        int max = ctx.connection().msize() - RREADLINK_HEADER;
        return new Rreadlink(ctx.fs().readlink(fid.who(), fid.handle(), max));
    }
}
