package io.p9gate.gateway.ops;

import io.p9gate.gateway.fs.GuardedFs;
import io.p9gate.gateway.fs.OpenFlags;
import io.p9gate.gateway.fs.Quotas;
import io.p9gate.gateway.fs.RequestScope;
import io.p9gate.gateway.fs.SessionLocks;
import io.p9gate.gateway.fs.SessionShares;
import io.p9gate.gateway.fs.UnexpectedFaults;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage.FileRequest;
import io.p9gate.gateway.proto.TMessage.Tattach;
import io.p9gate.gateway.proto.TMessage.Tauth;
import io.p9gate.gateway.proto.TMessage.Tclunk;
import io.p9gate.gateway.proto.TMessage.Tcreate;
import io.p9gate.gateway.proto.TMessage.Tfsync;
import io.p9gate.gateway.proto.TMessage.Tgetattr;
import io.p9gate.gateway.proto.TMessage.Tgetlock;
import io.p9gate.gateway.proto.TMessage.Tlcreate;
import io.p9gate.gateway.proto.TMessage.Tlink;
import io.p9gate.gateway.proto.TMessage.Tlock;
import io.p9gate.gateway.proto.TMessage.Tlopen;
import io.p9gate.gateway.proto.TMessage.Tmkdir;
import io.p9gate.gateway.proto.TMessage.Tmknod;
import io.p9gate.gateway.proto.TMessage.Topen;
import io.p9gate.gateway.proto.TMessage.Tread;
import io.p9gate.gateway.proto.TMessage.Treaddir;
import io.p9gate.gateway.proto.TMessage.Treadlink;
import io.p9gate.gateway.proto.TMessage.Tremove;
import io.p9gate.gateway.proto.TMessage.Trename;
import io.p9gate.gateway.proto.TMessage.Trenameat;
import io.p9gate.gateway.proto.TMessage.Tsetattr;
import io.p9gate.gateway.proto.TMessage.Tstat;
import io.p9gate.gateway.proto.TMessage.Tstatfs;
import io.p9gate.gateway.proto.TMessage.Tsymlink;
import io.p9gate.gateway.proto.TMessage.Tunlinkat;
import io.p9gate.gateway.proto.TMessage.Twalk;
import io.p9gate.gateway.proto.TMessage.Twrite;
import io.p9gate.gateway.proto.TMessage.Twstat;
import io.p9gate.gateway.proto.TMessage.Txattrcreate;
import io.p9gate.gateway.proto.TMessage.Txattrwalk;
import io.p9gate.gateway.session.ConnectionContext;
import io.p9gate.gateway.session.RequestHandler;
import io.p9gate.policy.dialect.Dialect;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The filesystem half of one 9P2000.L session: its fid table and one handler per request type.
 * Every handler reaches files only through {@link GuardedFs}. Safe for concurrent requests.
 */
public final class FileServer implements RequestHandler {
    private final OpsContext ctx;
    private final SessionOps session;
    private final WalkOps walk;
    private final IoOps io;
    private final EntryOps entries;
    private final AttrOps attrs;
    private final StatOps stats;
    private final XattrOps xattrs;
    private final LockOps locks;
    private final CreateOps creates;
    private final WstatOps wstats;
    /** The session's dialect as every request's scope carries it: fixed by Tversion, one Optional per session. */
    private final Optional<Dialect> dialect;

    public FileServer(ConnectionContext connection, SessionShares shares, GuardedFs fs, SessionLocks locks) {
        this.ctx = new OpsContext(
                connection, shares, fs, new Fids(connection.budget().fids()), locks);
        this.session = new SessionOps(ctx);
        this.walk = new WalkOps(ctx);
        this.entries = new EntryOps(ctx);
        this.attrs = new AttrOps(ctx);
        this.stats = new StatOps(ctx);
        this.io = new IoOps(ctx, stats);
        this.xattrs = new XattrOps(ctx);
        this.locks = new LockOps(ctx);
        this.creates = new CreateOps(ctx, io, attrs);
        this.wstats = new WstatOps(ctx, attrs);
        this.dialect = Optional.of(connection.dialect());
    }

    /**
     * Serves one request as the request with this tag, which its audit records (and the log line of a fault) carry.
     * An unexpected fault becomes EIO for this request instead of ending the session, and is logged.
     */
    @Override
    public RMessage handle(int tag, FileRequest request) throws P9Exception {
        var served =
                new RequestScope.Request(ctx.fs().vm(), ctx.connection().sessionId(), tag, request.type(), dialect);
        return RequestScope.serving(served, () -> {
            try {
                return dispatch(request);
            } catch (RuntimeException e) {
                throw UnexpectedFaults.eio("the operation", e);
            }
        });
    }

    @Override
    public RMessage handle(FileRequest request) throws P9Exception {
        return handle(RequestScope.NO_TAG, request);
    }

    /**
     * A lookup (Twalk, Tgetattr), a Tclunk that only closes, a read-only Tlopen, a Tread or a Twrite of a file: a few
     * system calls and a record that need not wait for the disk (a Twrite's intent only reaches the kernel: the
     * open it acts through is on disk already). Not quick: what waits for the disk's flush (a change's intent, as
     * a Tclunk that commits a pending xattr or removes an ORCLOSE file; an open for writing; a write through an
     * O_DSYNC open), and a 9P2000.u directory read, which judges a listing as Treaddir does.
     */
    @Override
    public boolean quick(FileRequest request) {
        return switch (request) {
            case Twalk t -> true;
            case Tgetattr t -> true;
            case Tclunk t -> session.clunkOnlyCloses(t);
            case Tlopen t -> OpenFlags.onlyReads(t.flags());
            case Tread t -> io.readsNoListing(t);
            case Twrite t -> io.writesWithoutSync(t);
            // Each new message must be judged here: a change put on the loop would skip its intent's wait.
            case Tauth _,
                    Tattach _,
                    Tremove _,
                    Topen _,
                    Tcreate _,
                    Tlcreate _,
                    Treaddir _,
                    Tfsync _,
                    Tmkdir _,
                    Tsymlink _,
                    Tmknod _,
                    Tlink _,
                    Trename _,
                    Trenameat _,
                    Tunlinkat _,
                    Tstat _,
                    Twstat _,
                    Tsetattr _,
                    Tstatfs _,
                    Treadlink _,
                    Txattrwalk _,
                    Txattrcreate _,
                    Tlock _,
                    Tgetlock _ -> false;
        };
    }

    /**
     * A request that may change what the VM's quotas count (a size, an entry, a name) holds them from before it starts
     * ({@link GuardedFs#changingOrLater}): while a reload scans them it waits for the scan's end without a thread, not
     * on an event loop or a worker the other VMs' requests need. One that only looks, or changes nothing they count,
     * starts at once. A request judged wrongly here still waits for the scan inside, on its thread, as before.
     */
    @Override
    public Started starting(FileRequest request, Runnable later) {
        if (!changesUsage(request)) {
            return Started.NOW;
        }
        Quotas.Changing held = ctx.fs().changingOrLater(later);
        return held == null ? null : held::close;
    }

    /**
     * The session's end clunks every fid (see {@link #close}): where one removes an ORCLOSE file or commits an xattr,
     * it holds the VM's quotas as a Tclunk doing so would ({@link #starting}), so a reload's scan holds it back without
     * a worker. Before, each connection the VM ended (or restarted by Tversion) during its scan parked a worker until
     * the scan ended (adversarial.QuotaScanStallAttackTest).
     */
    @Override
    public Started closing(Runnable later) {
        if (!session.endChanges()) {
            return Started.NOW;
        }
        Quotas.Changing held = ctx.fs().changingOrLater(later);
        return held == null ? null : held::close;
    }

    private boolean changesUsage(FileRequest request) {
        return switch (request) {
            case Tlopen t -> OpenFlags.truncates(t.flags());
            case Tsetattr t -> (t.attr().valid() & SetAttr.SETATTR_SIZE) != 0;
            case Tclunk t -> !session.clunkOnlyCloses(t); // ORCLOSE removes
            case Twrite _,
                    Topen _,
                    Tcreate _,
                    Tlcreate _,
                    Tmkdir _,
                    Tsymlink _,
                    Tmknod _,
                    Tlink _,
                    Trename _,
                    Trenameat _,
                    Tunlinkat _,
                    Tremove _,
                    Twstat _ -> true;
            // Each new message must be judged here: one that changes a count unjudged waits for a scan on its thread.
            case Tauth _,
                    Tattach _,
                    Twalk _,
                    Tread _,
                    Treaddir _,
                    Tfsync _,
                    Tgetattr _,
                    Tstat _,
                    Tstatfs _,
                    Treadlink _,
                    Txattrwalk _,
                    Txattrcreate _,
                    Tlock _,
                    Tgetlock _ -> false;
        };
    }

    private RMessage dispatch(FileRequest request) throws P9Exception {
        return switch (request) {
            case Tauth t -> session.auth(t);
            case Tattach t -> session.attach(t);
            case Tclunk t -> session.clunk(t);
            case Tremove t -> session.remove(t);
            case Twalk t -> walk.walk(t);
            case Tlopen t -> io.lopen(t);
            case Topen t -> io.open(t);
            case Tcreate t -> creates.create(t);
            case Tlcreate t -> io.lcreate(t);
            case Tread t -> io.read(t);
            case Twrite t -> io.write(t);
            case Treaddir t -> io.readdir(t);
            case Tfsync t -> io.fsync(t);
            case Tmkdir t -> entries.mkdir(t);
            case Tsymlink t -> entries.symlink(t);
            case Tmknod t -> entries.mknod(t);
            case Tlink t -> entries.link(t);
            case Trename t -> entries.rename(t);
            case Trenameat t -> entries.renameat(t);
            case Tunlinkat t -> entries.unlinkat(t);
            case Tgetattr t -> attrs.getattr(t);
            case Tstat t -> stats.stat(t);
            case Twstat t -> wstats.wstat(t);
            case Tsetattr t -> attrs.setattr(t);
            case Tstatfs t -> attrs.statfs(t);
            case Treadlink t -> attrs.readlink(t);
            case Txattrwalk t -> xattrs.xattrwalk(t);
            case Txattrcreate t -> xattrs.xattrcreate(t);
            case Tlock t -> locks.lock(t);
            case Tgetlock t -> locks.getlock(t);
        };
    }

    /**
     * Releases every fid (handles, open files, their locks) and every lock of the session. The session's end clunks
     * every fid (version(5)), so a fid whose Tclunk would change the host does so here, decided and recorded as that
     * Tclunk would be: a Topen ORCLOSE fid removes its file (as a Tremove), a Txattrcreate fid commits its value (as
     * QEMU's 9p does at teardown; an incomplete value fails, recorded). A refusal only leaves the host as it was.
     */
    @Override
    public void close() {
        for (Fid fid : ctx.fids().drain()) {
            try {
                if (fid.state() instanceof FidState.OpenedByTopen o && o.removeOnClunk()) {
                    clunkAtSessionEnd("the ORCLOSE removal", () -> ctx.fs().remove(fid.who(), fid.handle()));
                } else if (fid.state() instanceof FidState.XattrWrite(var pending)) {
                    clunkAtSessionEnd("the xattr commit", () -> ctx.fs().commitXattr(fid.who(), fid.handle(), pending));
                }
            } finally {
                fid.release(ctx.locks());
            }
        }
        ctx.locks().releaseSession();
    }

    /**
     * After a reload that was taken: each lock type the session holds on a file is decided again, as a Tlock of it
     * through the fids that locked would be now; where the new policy refuses it through all of them (a hidden
     * subtree, {@code access: none}, a deny rule; for a write lock also a file now read-only), those locks are
     * released and the release recorded ({@link SessionLocks#releaseRefused}). The guest keeps its fids and
     * connection; a lock it may still take stays. Serialised with the session's Tlocks. Only the fids that took
     * locks (each an entry of the VM's lock budget) are decided; the others cost one look each.
     *
     * @return how many files' locks were released
     */
    public int releaseLocksRefusedNow() {
        var redecision = new RequestScope.Request(
                ctx.fs().vm(), ctx.connection().sessionId(), RequestScope.NO_TAG, MessageType.TLOCK);
        return ctx.locks().redeciding(() -> {
            List<SessionLocks.LockingFid> locking = new ArrayList<>();
            for (Fid fid : ctx.fids().locking()) {
                if (fid.state() instanceof FidState.Opened(var opened)) { // a clunk releases a fid's locks
                    locking.add(new SessionLocks.LockingFid(fid.who(), fid.handle(), opened, fid.lockOwners()));
                }
            }
            try {
                return RequestScope.serving(redecision, () -> ctx.locks().releaseRefused(ctx.fs(), locking));
            } catch (P9Exception e) {
                return 0; // not served: nothing was released
            }
        });
    }

    @FunctionalInterface
    private interface Clunking {
        void run() throws P9Exception;
    }

    /** What the Tclunk of a fid would do, served in the scope of a Tclunk without a tag (no guest request). */
    private void clunkAtSessionEnd(String what, Clunking clunking) {
        var clunk = new RequestScope.Request(
                ctx.fs().vm(), ctx.connection().sessionId(), RequestScope.NO_TAG, MessageType.TCLUNK);
        try {
            RequestScope.serving(clunk, () -> {
                clunking.run();
                return null;
            });
        } catch (P9Exception e) {
            // Refused or failed (and recorded as such), or gone meanwhile: the host stays as after a failed Tclunk.
        } catch (RuntimeException e) {
            UnexpectedFaults.log(what + " at a session's end", e);
        }
    }
}
