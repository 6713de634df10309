package io.p9gate.gateway.ops;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.fs.GuardedFs;
import io.p9gate.gateway.fs.OpenFlags;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.RMessage.Rcreate;
import io.p9gate.gateway.proto.RMessage.Rfsync;
import io.p9gate.gateway.proto.RMessage.Rlcreate;
import io.p9gate.gateway.proto.RMessage.Rlopen;
import io.p9gate.gateway.proto.RMessage.Ropen;
import io.p9gate.gateway.proto.RMessage.Rread;
import io.p9gate.gateway.proto.RMessage.Rreaddir;
import io.p9gate.gateway.proto.RMessage.Rwrite;
import io.p9gate.gateway.proto.TMessage.Tcreate;
import io.p9gate.gateway.proto.TMessage.Tfsync;
import io.p9gate.gateway.proto.TMessage.Tlcreate;
import io.p9gate.gateway.proto.TMessage.Tlopen;
import io.p9gate.gateway.proto.TMessage.Topen;
import io.p9gate.gateway.proto.TMessage.Tread;
import io.p9gate.gateway.proto.TMessage.Treaddir;
import io.p9gate.gateway.proto.TMessage.Twrite;
import io.p9gate.policy.dialect.Dialect;
import java.util.Optional;

/** Tlopen, Topen, Tlcreate, Tread, Twrite, Treaddir, Tfsync. */
final class IoOps {
    private final OpsContext ctx;
    private final StatOps stats;

    IoOps(OpsContext ctx, StatOps stats) {
        this.ctx = ctx;
        this.stats = stats;
    }

    private int iounit() {
        return ctx.connection().iounit();
    }

    Rlopen lopen(Tlopen t) throws P9Exception {
        Fid fid = ctx.fids().get(t.fid());
        requireUnopened(t.fid(), fid, OpenFlags.toHost(t.flags()));
        try (Fids.Held claim = ctx.fids().hold(t.fid(), fid)) {
            GuardedFs.Opened opened = ctx.fs().lopen(fid.who(), fid.handle(), t.flags(), claim);
            if (!claim.complete(fid.withState(new FidState.Opened(opened.file())))) {
                opened.file().close();
            }
            return new Rlopen(opened.qid(), iounit());
        }
    }

    /**
     * Topen of 9P2000 and 9P2000.u: the guarded open of Tlopen with the host flags its mode maps to (so the same
     * OPEN_READ/OPEN_WRITE decision and record); a directory opened so is read as packed stat entries.
     */
    Ropen open(Topen t) throws P9Exception {
        Fid fid = ctx.fids().get(t.fid());
        boolean unix = switch (ctx.connection().dialect()) {
            case U -> true;
            case L, LEGACY -> false;
        };
        requireUnopened(t.fid(), fid, OpenFlags.fromOpenMode(t.mode(), unix));
        try (Fids.Held claim = ctx.fids().hold(t.fid(), fid)) {
            // open(5): ORCLOSE needs the removal's permission too, asked before the file is opened.
            GuardedFs.Opened opened = ctx.fs()
                    .open(
                            fid.who(),
                            fid.handle(),
                            OpenFlags.fromOpenMode(t.mode(), unix),
                            false,
                            OpenFlags.removesOnClunk(t.mode()),
                            claim);
            var state = new FidState.OpenedByTopen(
                    new FidState.Opened(opened.file()),
                    OpenFlags.removesOnClunk(t.mode()),
                    opened.qid().type() == Qid.QTDIR ? Optional.of(new StatListing()) : Optional.empty());
            if (!claim.complete(fid.withState(state))) {
                GuardedFs.Result.releaseUnrecorded(opened);
            }
            return new Ropen(opened.qid(), iounit());
        }
    }

    /** The fid (a directory) becomes the newly created, opened file. */
    Rlcreate lcreate(Tlcreate t) throws P9Exception {
        return lcreate(t, false);
    }

    /**
     * As {@link #lcreate(Tlcreate)}; with {@code removeOnClunk} (a Tcreate's ORCLOSE, create(5)) the fid is held as
     * a Topen'ed one that removes its file when it is clunked or its session ends.
     */
    Rlcreate lcreate(Tlcreate t, boolean removeOnClunk) throws P9Exception {
        Fid dir = ctx.fids().get(t.fid());
        if (!Fids.walked(t.fid(), dir)) {
            throw ctx.fs().refusedOpenFid(dir.who(), dir.handle(), Operation.CREATE, t.name());
        }
        if (OpenFlags.wantsDirectory(t.flags())) {
            // open(2) with O_CREAT|O_DIRECTORY (Linux 6.4 on): no file is made, whatever the name.
            throw ctx.fs().refusedCreateOfDirectory(dir.who(), dir.handle(), t.name(), t.flags());
        }
        try (Fids.Held claim = ctx.fids().hold(t.fid(), dir)) {
            GuardedFs.Created created = ctx.fs()
                    .create(
                            dir.withGid(t.gid()),
                            dir.handle(),
                            new GuardedFs.Creation(
                                    t.name(),
                                    OpenFlags.toHost(t.flags()),
                                    t.mode(),
                                    t.gid(),
                                    OpenFlags.exclusive(t.flags()),
                                    removeOnClunk),
                            claim);
            var opened = new FidState.Opened(created.file());
            FidState state = removeOnClunk ? new FidState.OpenedByTopen(opened, true, Optional.empty()) : opened;
            Fid file = new Fid(created.handle(), dir.who(), state, dir.lockOwners());
            if (claim.complete(file)) {
                dir.handle().close();
            } else {
                // Let go of by the session's end meanwhile, which released the directory's handle.
                GuardedFs.Result.releaseUnrecorded(created);
            }
            return new Rlcreate(created.qid(), iounit());
        }
    }

    /**
     * A legacy Tcreate of a directory (create(5)): the fid becomes the new directory, opened with {@code mode} under
     * the one MKDIR decision ({@link GuardedFs#mkdirOpened}); with ORCLOSE it is removed when the fid is clunked.
     */
    Rcreate mkdirOpened(Tcreate t, int perm, int gid) throws P9Exception {
        Fid dir = ctx.fids().get(t.fid());
        if (!Fids.walked(t.fid(), dir)) {
            throw ctx.fs().refusedOpenFid(dir.who(), dir.handle(), Operation.MKDIR, t.name());
        }
        boolean unix = ctx.connection().dialect() == Dialect.U;
        try (Fids.Held claim = ctx.fids().hold(t.fid(), dir)) {
            GuardedFs.Created created = ctx.fs()
                    .mkdirOpened(
                            dir.withGid(gid),
                            dir.handle(),
                            t.name(),
                            perm,
                            gid,
                            OpenFlags.fromOpenMode(t.mode(), unix),
                            OpenFlags.removesOnClunk(t.mode()),
                            claim);
            var state = new FidState.OpenedByTopen(
                    new FidState.Opened(created.file()),
                    OpenFlags.removesOnClunk(t.mode()),
                    Optional.of(new StatListing()));
            if (claim.complete(new Fid(created.handle(), dir.who(), state, dir.lockOwners()))) {
                dir.handle().close();
            } else {
                // Let go of by the session's end meanwhile, which released the directory's handle.
                GuardedFs.Result.releaseUnrecorded(created);
            }
            return new Rcreate(created.qid(), iounit());
        }
    }

    /** Whether a Tread reads file data or an xattr value, not a 9P2000.u directory's listing (or fails at once). */
    boolean readsNoListing(Tread t) {
        Fid fid = ctx.fids().find(t.fid());
        return fid == null
                || !(fid.state() instanceof FidState.OpenedByTopen o
                        && o.listing().isPresent());
    }

    /** Whether a Twrite goes through without waiting for the disk: not through an O_DSYNC or O_SYNC open. */
    boolean writesWithoutSync(Twrite t) {
        Fid fid = ctx.fids().find(t.fid());
        if (fid == null) {
            return true; // answered EBADF
        }
        return switch (fid.state()) {
            case FidState.Opened(var opened) -> !opened.syncsWrites();
            case FidState.OpenedByTopen o -> !o.opened().file().syncsWrites();
            case FidState.XattrWrite w -> true; // fills a pending value in memory
            case FidState.Walked w -> true; // refused at once
            case FidState.Claimed c -> true;
            case FidState.XattrRead r -> true;
        };
    }

    RMessage read(Tread t) throws P9Exception {
        Fid fid = ctx.fids().get(t.fid());
        int count = Math.min(Math.max(t.count(), 0), iounit());
        return switch (fid.state()) {
            case FidState.Opened opened -> readFile(fid, opened, t.offset(), count);
            case FidState.OpenedByTopen(var opened, var removeOnClunk, var listing) ->
                listing.isPresent()
                        ? stats.readDirectory(fid, opened, listing.get(), t.offset(), count)
                        : readFile(fid, opened, t.offset(), count);
            case FidState.XattrRead(var name, var value) ->
                new Rread(ctx.fs().readXattr(fid.who(), fid.handle(), name, value.bytes(), t.offset(), count));
            case FidState.Walked w -> throw notOpen();
            case FidState.Claimed c -> throw notOpen();
            case FidState.XattrWrite w -> throw notOpen();
        };
    }

    private Rread readFile(Fid fid, FidState.Opened opened, long offset, int count) throws P9Exception {
        if (!opened.file().reads()) {
            throw notOpen(); // opened O_WRONLY: a read that cannot happen is not asked or recorded
        }
        ByteBuf buf = ByteBufAllocator.DEFAULT.directBuffer(count);
        try {
            int n = ctx.fs().read(fid.who(), fid.handle(), opened.file(), offset, buf.nioBuffer(0, count));
            buf.writerIndex(n);
        } catch (P9Exception | RuntimeException e) {
            buf.release();
            throw e;
        }
        return new Rread(fitted(buf));
    }

    /**
     * A read that filled less than half its buffer hands over a copy of what it read and gives the buffer back: a
     * reply holds its buffer until the guest reads it, and a VM reading count=msize of small files held msize a
     * reply while its reply-bytes budget counted the few bytes read (R-ROB-2,
     * adversarial.ShortReadReplyMemoryAttackTest).
     */
    private static ByteBuf fitted(ByteBuf buf) {
        int n = buf.readableBytes();
        if (n >= buf.capacity() / 2) {
            return buf;
        }
        try {
            return n == 0
                    ? Unpooled.EMPTY_BUFFER
                    : ByteBufAllocator.DEFAULT.directBuffer(n).writeBytes(buf);
        } finally {
            buf.release();
        }
    }

    Rwrite write(Twrite t) throws P9Exception {
        Fid fid = ctx.fids().get(t.fid());
        ByteBuf data = t.data();
        if (data.readableBytes() > iounit()) {
            throw new P9Exception(Errno.EINVAL, "write larger than iounit");
        }
        return switch (fid.state()) {
            case FidState.Opened opened -> writeFile(fid, opened, t.offset(), data);
            case FidState.OpenedByTopen(var opened, var removeOnClunk, var listing) ->
                writeFile(fid, opened, t.offset(), data);
            case FidState.XattrWrite(var pending) ->
                new Rwrite(ctx.fs().writeXattr(fid.who(), fid.handle(), pending, t.offset(), data.nioBuffer()));
            case FidState.Walked w -> throw notOpen();
            case FidState.Claimed c -> throw notOpen();
            case FidState.XattrRead r -> throw notOpen();
        };
    }

    private Rwrite writeFile(Fid fid, FidState.Opened opened, long offset, ByteBuf data) throws P9Exception {
        if (!opened.file().writes()) {
            // Opened for reading only (every directory is): a write that cannot happen is not asked or recorded.
            throw notOpen();
        }
        return new Rwrite(ctx.fs().write(fid.who(), fid.handle(), opened.file(), offset, data.nioBuffer()));
    }

    Rreaddir readdir(Treaddir t) throws P9Exception {
        Fid fid = ctx.fids().get(t.fid());
        if (!(fid.state() instanceof FidState.Opened(var file))) {
            throw notOpen();
        }
        int count = Math.min(Math.max(t.count(), 0), iounit());
        return new Rreaddir(ctx.fs().readdir(fid.who(), fid.handle(), file, t.offset(), count));
    }

    Rfsync fsync(Tfsync t) throws P9Exception {
        Fid fid = ctx.fids().get(t.fid());
        if (!(fid.state() instanceof FidState.Opened(var file))) {
            throw notOpen();
        }
        ctx.fs().fsync(fid.who(), fid.handle(), file, t.datasync() != 0);
        return new Rfsync();
    }

    /** An open ({@code hostFlags}) of a fid already opened: refused, and recorded, by the choke point. */
    private void requireUnopened(int number, Fid fid, int hostFlags) throws P9Exception {
        if (!Fids.walked(number, fid)) {
            throw ctx.fs().refusedReopen(fid.who(), fid.handle(), hostFlags);
        }
    }

    private static P9Exception notOpen() {
        return new P9Exception(Errno.EBADF, "fid is not open for this operation");
    }
}
