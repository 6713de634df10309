package io.p9gate.gateway.ops;

import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage.Rlink;
import io.p9gate.gateway.proto.RMessage.Rmkdir;
import io.p9gate.gateway.proto.RMessage.Rmknod;
import io.p9gate.gateway.proto.RMessage.Rrename;
import io.p9gate.gateway.proto.RMessage.Rrenameat;
import io.p9gate.gateway.proto.RMessage.Rsymlink;
import io.p9gate.gateway.proto.RMessage.Runlinkat;
import io.p9gate.gateway.proto.TMessage.Tlink;
import io.p9gate.gateway.proto.TMessage.Tmkdir;
import io.p9gate.gateway.proto.TMessage.Tmknod;
import io.p9gate.gateway.proto.TMessage.Trename;
import io.p9gate.gateway.proto.TMessage.Trenameat;
import io.p9gate.gateway.proto.TMessage.Tsymlink;
import io.p9gate.gateway.proto.TMessage.Tunlinkat;

/**
 * Tmkdir, Tsymlink, Tmknod, Tlink, Trename, Trenameat, Tunlinkat: changes to directory entries. Names and the shares
 * of two fids (EXDEV) are checked, and their refusals recorded, by {@link io.p9gate.gateway.fs.GuardedFs}.
 */
final class EntryOps {
    /** Tunlinkat flag: remove a directory. */
    static final int AT_REMOVEDIR = 0x200;

    private final OpsContext ctx;

    EntryOps(OpsContext ctx) {
        this.ctx = ctx;
    }

    Rmkdir mkdir(Tmkdir t) throws P9Exception {
        Fid dir = ctx.fids().file(t.dfid());
        return new Rmkdir(ctx.fs().mkdir(dir.withGid(t.gid()), dir.handle(), t.name(), t.mode(), t.gid()));
    }

    Rsymlink symlink(Tsymlink t) throws P9Exception {
        Fid dir = ctx.fids().file(t.fid());
        return new Rsymlink(ctx.fs().symlink(dir.withGid(t.gid()), dir.handle(), t.name(), t.target(), t.gid()));
    }

    Rmknod mknod(Tmknod t) throws P9Exception {
        Fid dir = ctx.fids().file(t.dfid());
        return new Rmknod(
                ctx.fs().mknod(dir.withGid(t.gid()), dir.handle(), t.name(), t.mode(), t.major(), t.minor(), t.gid()));
    }

    Rlink link(Tlink t) throws P9Exception {
        Fid dir = ctx.fids().file(t.dfid());
        Fid target = ctx.fids().file(t.fid());
        ctx.fs().link(dir.who(), dir.handle(), target.handle(), t.name());
        return new Rlink();
    }

    Rrename rename(Trename t) throws P9Exception {
        Fid fid = ctx.fids().file(t.fid());
        Fid dir = ctx.fids().file(t.dfid());
        ctx.fs().rename(fid.who(), fid.handle(), dir.handle(), t.name());
        return new Rrename();
    }

    Rrenameat renameat(Trenameat t) throws P9Exception {
        Fid oldDir = ctx.fids().file(t.oldDirFid());
        Fid newDir = ctx.fids().file(t.newDirFid());
        ctx.fs().renameat(oldDir.who(), oldDir.handle(), t.oldName(), newDir.handle(), t.newName());
        return new Rrenameat();
    }

    Runlinkat unlinkat(Tunlinkat t) throws P9Exception {
        Fid dir = ctx.fids().file(t.dirFid());
        if ((t.flags() & ~AT_REMOVEDIR) != 0) {
            throw ctx.fs()
                    .refusedUnlinkFlags(dir.who(), dir.handle(), t.name(), t.flags(), (t.flags() & AT_REMOVEDIR) != 0);
        }
        ctx.fs().unlinkat(dir.who(), dir.handle(), t.name(), (t.flags() & AT_REMOVEDIR) != 0);
        return new Runlinkat();
    }
}
