package io.p9gate.gateway.wiring;

import io.p9gate.gateway.backend.AdminSymlinksOnly;
import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.LockTable;
import io.p9gate.gateway.backend.QidMapper;
import io.p9gate.gateway.backend.UnsearchableDirectory;
import io.p9gate.gateway.backend.UnservableShare;
import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AllowAll;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.GuardedFs;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.fs.SessionLocks;
import io.p9gate.gateway.fs.SessionShares;
import io.p9gate.gateway.fs.ShareAccess;
import io.p9gate.gateway.fs.ShareDir;
import io.p9gate.gateway.fs.ShareSafety;
import io.p9gate.gateway.ops.FileServer;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.session.ConnectionContext;
import io.p9gate.gateway.session.DialectRefusedException;
import io.p9gate.gateway.session.RequestHandler;
import io.p9gate.gateway.session.RequestHandlerFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one session factory of every mode: one {@link FileServer} per session over the shares its VM gets, all
 * sessions sharing the share handles, the qid numbering and the byte-range lock table; each session's start and end
 * recorded in the audit trail (R-AUD-1). What differs between modes (no policy, a policy file) is the
 * {@link ShareAccess} it is given, never a branch here.
 */
public final class ShareServerFactory implements RequestHandlerFactory {
    private final ShareAccess access;
    private final AuditTrail audit;
    private final Map<ShareDir, LocalShare> shares;
    private final LockTable locks = new LockTable();
    private final LiveSessions live = new LiveSessions();
    private final AtomicBoolean closed = new AtomicBoolean();

    private volatile RequestObserver requests = RequestObserver.NONE;

    /** Every request allowed, nothing recorded: for development until policy and audit are plugged in. */
    public ShareServerFactory(Map<String, Path> shares) {
        this(shares, new AllowAll(), new NoAudit());
    }

    /** Without a policy file: every listener may attach every share, {@code policy} decides each request. */
    public ShareServerFactory(Map<String, Path> shares, AccessPolicy policy, AuditTrail audit) {
        this(shares, policy, audit, ShareSafety.NONE);
    }

    /** As above, with each share's device nodes and host permission checks ({@link ShareSafety#NONE}: the defaults). */
    public ShareServerFactory(Map<String, Path> shares, AccessPolicy policy, AuditTrail audit, ShareSafety safety) {
        this(new OpenAccess(shares, Objects.requireNonNull(policy), Objects.requireNonNull(safety)), audit);
    }

    /**
     * Opens every share directory now.
     *
     * @throws IllegalArgumentException naming the share (and VM) and the reason, if a directory cannot be opened
     */
    public ShareServerFactory(ShareAccess access, AuditTrail audit) {
        this.access = Objects.requireNonNull(access);
        this.audit = Objects.requireNonNull(audit);
        this.shares = openAll(access);
        watchMovesWherePathsDecide();
    }

    /**
     * Every share whose VM's policy decides by path watches moves made on the host from now on (at start, and after
     * a reload that may have given a share its first hidden or read-only subtree): a handle's remembered path must not
     * outlive such a move (docs/architecture.md, "Renames by the host"). A share that watches keeps watching.
     */
    public void watchMovesWherePathsDecide() {
        shares.forEach((dir, share) -> {
            if (access.decidesByPath(dir.vm(), dir.name())) {
                share.root().watchMoves();
            }
        });
    }

    private static Map<ShareDir, LocalShare> openAll(ShareAccess access) {
        // One QidMapper per VM: it remembers a bounded number of reserved qid paths (inode numbers past 2^56), and a
        // shared one let a VM listing many files of its own make another VM's files show new inode numbers
        // (adversarial.QidChurnAcrossVmsAttackTest). A guest sees only its own VM's qids.
        Map<String, QidMapper> qidsByVm = new HashMap<>();
        List<ShareDir> dirs = access.directories();
        Map<ShareDir, LocalShare> opened = new LinkedHashMap<>();
        try (AdminSymlinksOnly paths =
                AdminSymlinksOnly.of(dirs.stream().map(ShareDir::path).toList())) {
            for (ShareDir dir : dirs) {
                opened.put(dir, open(dir, qidsByVm.computeIfAbsent(dir.vm(), vm -> new QidMapper()), paths, dirs));
            }
        } catch (IllegalArgumentException e) {
            opened.values().forEach(LocalShare::close);
            throw e;
        }
        return Map.copyOf(opened);
    }

    private static LocalShare open(ShareDir dir, QidMapper qids, AdminSymlinksOnly paths, List<ShareDir> all) {
        try {
            return LocalShare.open(dir.name(), dir.path(), qids, paths);
        } catch (AdminSymlinksOnly.SymlinkInShare e) {
            ShareDir outer = all.stream()
                    .filter(other -> other.path().equals(e.share()) && !other.equals(dir))
                    .findFirst()
                    .orElse(dir);
            throw new IllegalArgumentException(
                    dir.title() + " lies inside " + outer.title() + ", whose guests can make symlinks: " + e.symlink()
                            + " is a symlink; refusing to follow it",
                    e);
        } catch (P9Exception e) {
            // "Wrong medium type" alone would puzzle an operator.
            String why = e instanceof UnservableShare u ? u.reason() : e.errno().description() + where(dir, e);
            throw new IllegalArgumentException(dir.describe() + ": " + why, e);
        }
    }

    /**
     * For a share the gateway may not reach (EACCES, EPERM), the directory on its path it may not search: "Permission
     * denied" alone left the operator to find it (a host's chmod of a directory above the share since the last start).
     * The start stays refused: a share left unopened is not kept from the outer share's guest moving it away.
     */
    private static String where(ShareDir dir, P9Exception e) {
        if (e.errno() != Errno.EACCES && e.errno() != Errno.EPERM) {
            return "";
        }
        return UnsearchableDirectory.on(dir.path())
                .map(unsearchable -> ": the gateway may not search " + unsearchable
                        + " (give it search permission there) and start again")
                .orElse("");
    }

    /** @throws DialectRefusedException if the VM may not speak the dialect negotiated (recorded as a denial) */
    @Override
    public RequestHandler open(ConnectionContext context) {
        return open(context, audit);
    }

    /** The view of one connection: its replies wait for its own records only ({@link ConnectionTrail}). */
    @Override
    public RequestHandlerFactory forConnection() {
        ConnectionTrail trail = new ConnectionTrail(audit);
        return new RequestHandlerFactory() {
            @Override
            public RequestHandler open(ConnectionContext context) {
                return ShareServerFactory.this.open(context, trail);
            }

            @Override
            public void writeRecords() throws P9Exception {
                trail.writeHeld();
            }
        };
    }

    /** @param audit the trail of the connection, or the gateway's */
    private RequestHandler open(ConnectionContext context, AuditTrail audit) {
        String vm = access.vmOf(context);
        if (!access.allowsDialect(vm, context.dialect())) {
            RefusedDialect.record(audit, vm, context);
            throw new DialectRefusedException(vm, context.dialect());
        }
        Map<String, LocalShare> mine = new LinkedHashMap<>();
        List<ShareDir> served = new ArrayList<>();
        for (ShareDir dir : access.sharesOf(vm)) {
            LocalShare share = shares.get(dir);
            if (share != null) {
                mine.put(dir.name(), share);
                served.add(dir);
            }
        }
        GuardedFs fs = access.guard(vm, context.sessionId(), List.copyOf(served), audit, context.identity());
        var sessionLocks =
                new SessionLocks(locks, context.sessionId(), context.budget().locks());
        SessionShares sessionShares = new SessionShares(mine);
        FileServer files = new FileServer(context, sessionShares, fs, sessionLocks);
        RequestHandler handler = AuditedSession.opened(files, vm, context, audit, requests, () -> {
            if (live.ended(context.sessionId())) {
                releaseWatchesOf(vm);
            }
        });
        live.opened(context.sessionId(), vm, served, sessionShares, files);
        return handler;
    }

    /**
     * The VM's last session ended: its shares give up the directories they watch, their remembered paths with them
     * (relearned, watched anew, from its next session's walks). Kept, they counted the VM in the fair part of the
     * gateway's watches (backend.WatchBudget) until the gateway stopped, leaving the VMs still connected less
     * (adversarial.DisconnectedVmWatchesAttackTest). Its inotify instance stays, for its next session. A share of
     * every listener (no policy file: no VM's name is its own) gives them up with the last session of all.
     */
    private void releaseWatchesOf(String vm) {
        shares.forEach((dir, share) -> {
            if (dir.vm().equals(vm) || dir.vm().equals(ShareDir.EVERY_VM) && live.none()) {
                share.root().releaseWatches();
            }
        });
    }

    /**
     * After a reload that was taken: each share its VM no longer has gives up the directories it watches and watches
     * none until a reload gives it back (its sessions are being closed, a request of theirs may still run, and none
     * can attach it again); each share the VM has may watch again. Kept, they counted toward the VM's watches while
     * it stayed connected through its other shares, until its last session ended.
     */
    public void releaseWatchesOfSharesTakenAway() {
        shares.forEach((dir, share) -> {
            if (access.sharesOf(dir.vm()).contains(dir)) {
                share.root().givenBack();
            } else {
                share.root().takenAway();
            }
        });
    }

    /**
     * The ids of the open sessions that attached a share their VM no longer has at the directory they serve: a reload
     * removed it from the VM or gave it another directory. Every request of theirs there is refused, but what they
     * hold in it (fids, open files, byte-range locks on files other VMs share) stays until they end.
     */
    public Set<Long> sessionsHoldingSharesTakenAway() {
        return live.attachedAny((vm, dir) -> !access.sharesOf(vm).contains(dir));
    }

    /**
     * After a reload that was taken: every open session but those {@code closing} names releases its locks on the
     * files a Tlock of it would be refused now, recorded; it stays connected, as do its other locks.
     *
     * @return how many files' locks were released
     */
    public int releaseLocksRefusedNow(Set<Long> closing) {
        return live.releaseLocksRefusedNow(closing);
    }

    /** Writes the records every connection holds (a connection's own view writes only when it must). */
    @Override
    public void writeRecords() throws P9Exception {
        audit.writeHeld();
    }

    /** Sessions opened from now on time their requests for {@code observer} (set it before the gateway starts). */
    public void observeRequests(RequestObserver observer) {
        requests = Objects.requireNonNull(observer);
    }

    /**
     * Closes the share handles (after every session is closed), once: the gateway closes its factory, and so may
     * whoever built it.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            shares.values().forEach(LocalShare::close);
        }
    }
}
