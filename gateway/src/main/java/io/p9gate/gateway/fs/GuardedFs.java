package io.p9gate.gateway.fs;

import static io.p9gate.gateway.fs.ChokePoint.NO_BYTES;
import static io.p9gate.gateway.fs.ChokePoint.NO_DATA;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.backend.FileIo;
import io.p9gate.gateway.backend.FileStat;
import io.p9gate.gateway.backend.Inodes;
import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.LockTable;
import io.p9gate.gateway.backend.MappedDevice;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.backend.OpenFile;
import io.p9gate.gateway.backend.Xattrs;
import io.p9gate.gateway.budget.OverBudget;
import io.p9gate.gateway.fs.ChokePoint.BackendCall;
import io.p9gate.gateway.fs.ChokePoint.PathsOf;
import io.p9gate.gateway.fs.ChokePoint.Refusal;
import io.p9gate.gateway.fs.ChokePoint.RequestPaths;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.LockConstants;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.StatFs;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The guest's requests over the backend, one method each (R-POL-2): each names what is asked (operation,
 * share-relative paths, typed arguments) and what the backend does, and hands both to the {@link ChokePoint},
 * which decides, records and only then lets the backend call run. The operations layer reaches the backend by no
 * other route (docs/architecture.md, enforced by GatewayArchitectureTest).
 */
public final class GuardedFs {
    /** Tattach of a share this session does not have (another VM's, or none): ENOENT. */
    static final List<String> NO_SHARE_RULE = List.of("no-share");
    /** Tlink/Trename/Trenameat with fids of two shares: EXDEV. */
    static final List<String> CROSS_SHARE_RULE = List.of("cross-share");

    private static final int SYMLINK_MODE = 0777;

    private final String vm;
    private final ChokePoint guard;
    /** Asked, inside a request already decided, whether a rename may replace its destination. */
    private final AccessPolicy policy;

    private final VisibleEntries visible;
    private final Ownership ownership;
    private final QuotaAccounting quota;
    private final ShareSafety safety;

    /** Guest ids are host ids (no mapping) and no quotas: the gateway without a policy. */
    public GuardedFs(String vm, long sessionId, AccessPolicy policy, AuditTrail audit) {
        this(vm, sessionId, policy, audit, ChownedIds.UNMAPPED, Quotas.NONE);
    }

    /**
     * @param ownership how this VM's ids and modes are kept on the host (R-POL-5)
     * @param quotas    this VM's quota scopes (R-POL-6)
     */
    public GuardedFs(
            String vm, long sessionId, AccessPolicy policy, AuditTrail audit, Ownership ownership, Quotas quotas) {
        this(vm, sessionId, policy, audit, ownership, quotas, ShareSafety.NONE);
    }

    /** @param safety each share's device nodes and host permission checks */
    public GuardedFs(
            String vm,
            long sessionId,
            AccessPolicy policy,
            AuditTrail audit,
            Ownership ownership,
            Quotas quotas,
            ShareSafety safety) {
        this.vm = vm;
        this.guard = new ChokePoint(vm, sessionId, policy, audit, safety);
        this.policy = policy;
        this.visible = new VisibleEntries(vm, policy);
        this.ownership = ownership;
        this.quota = new QuotaAccounting(quotas);
        this.safety = safety;
    }

    /**
     * A request refused by one of the VM's budgets before it is decided (R-ROB-2), e.g. a walk once the VM's
     * fids are spent: recorded like any denial, the budget as its rule. {@code at} is where the request starts.
     * Returns what to throw: the refusal, or EIO if it could not be recorded.
     */
    public P9Exception overBudget(
            Operation op, Subject who, LocalShare share, Node at, RequestArgs args, OverBudget refusal) {
        return guard.overBudget(op, who, share.name(), () -> List.of(path(share, at)), args, refusal);
    }

    /** As the other overBudget, for a Tattach refused before its share is looked up: the aname as sent. */
    public P9Exception overBudget(Operation op, Subject who, String aname, OverBudget refusal) {
        return guard.overBudget(op, who, aname, () -> List.of(""), RequestArgs.NONE, refusal);
    }

    // ---------------------------------------------------------------- results

    /**
     * What a guarded call produced: one type per kind, so that {@link Result#releaseUnrecorded} must say for each whether an
     * unrecorded success leaves something open.
     */
    public sealed interface Result {
        /** An unrecorded success must not leak what it holds: each result type says whether it holds anything. */
        static void releaseUnrecorded(Result result) {
            switch (result) {
                case Walked w -> {
                    if (w.node() != null) {
                        w.node().close();
                    }
                }
                case Attached a -> a.root().close();
                case Opened o -> o.file().close();
                case Created c -> {
                    c.node().close();
                    c.file().close();
                }
                case XattrSlice x -> x.data().release();
                case Described _,
                        Count _,
                        Value _,
                        LinkText _,
                        Listing _,
                        DescribedListing _,
                        Made _,
                        Stats _,
                        Conflict _,
                        Pending _,
                        Done _ -> {
                    // heap only
                }
            }
        }
    }

    /**
     * Twalk: the qids of the names walked; {@code node} is null if the walk stopped early, and then {@code stopped}
     * says why the next name did not resolve (null for a whole walk).
     */
    public record Walked(List<Qid> qids, Node node, Errno stopped) implements Result {}

    /** Tattach: the share the aname named and a handle on its root. */
    public record Attached(LocalShare share, Node root, Qid qid) implements Result {}

    public record Opened(OpenFile file, Qid qid) implements Result {}

    public record Created(Node node, OpenFile file, Qid qid) implements Result {}

    public record Described(FileStat stat, Qid qid) implements Result {
        /** What Rgetattr always fills: the basic fields and the birth time (gen and data version are 0). */
        public static final long FILLED = Attr.GETATTR_BASIC | Attr.GETATTR_BTIME;

        /** The stat as Rgetattr shows it. */
        public Attr attr() {
            return new Attr(
                    FILLED,
                    qid,
                    stat.mode(),
                    stat.uid(),
                    stat.gid(),
                    stat.nlink(),
                    stat.rdev(),
                    stat.size(),
                    stat.blksize(),
                    stat.blocks(),
                    stat.atimeSec(),
                    stat.atimeNsec(),
                    stat.mtimeSec(),
                    stat.mtimeNsec(),
                    stat.ctimeSec(),
                    stat.ctimeNsec(),
                    stat.btimeSec(),
                    stat.btimeNsec(),
                    0,
                    0);
        }
    }

    /**
     * One entry of a 9P2000/.u directory read: its name and what getattr would show of it (guest ids, mapped
     * devices' modes), and the host cookie that continues the listing after it.
     */
    public record ListedEntry(String name, Attr attr, long cookie) {}

    /** The entries of a 9P2000/.u directory read. */
    private record DescribedListing(List<ListedEntry> entries) implements Result {}

    /** Bytes read or written, or a lock status. */
    private record Count(int n) implements Result {}

    /** An xattr value or name list, fetched for a Txattrwalk. */
    private record Value(byte[] bytes) implements Result {}

    /** A slice of an xattr value for Tread: a buffer to release. */
    private record XattrSlice(ByteBuf data) implements Result {}

    private record LinkText(String target) implements Result {}

    private record Listing(List<DirEntry> entries) implements Result {}

    /** The qid of a new directory, symlink or node. */
    private record Made(Qid qid) implements Result {}

    private record Stats(StatFs stats) implements Result {}

    private record Conflict(Optional<LockTable.Range> range) implements Result {}

    private record Pending(PendingXattr xattr) implements Result {}

    /** Nothing to return. */
    private record Done() implements Result {}

    private static final Done DONE = new Done();

    // ---------------------------------------------------------------- session

    public void auth(Subject who, String aname) throws P9Exception {
        guard.inspect(
                Operation.AUTH,
                who,
                aname,
                () -> List.of(),
                RequestArgs.NONE,
                () -> {
                    throw new P9Exception(
                            Errno.ENOENT, "no authentication required: identity comes from the transport");
                },
                NO_BYTES);
    }

    /**
     * Tattach of the share {@code aname} names among this session's {@code shares}; an empty aname names the only
     * share when there is exactly one. Another VM's share, or none, is ENOENT, and recorded.
     */
    public Attached attach(Subject who, String aname, Map<String, LocalShare> shares) throws P9Exception {
        LocalShare named = shares.get(aname);
        LocalShare share = named == null && aname.isEmpty() && shares.size() == 1
                ? shares.values().iterator().next()
                : named;
        if (share == null) {
            throw guard.refused(
                    Operation.ATTACH,
                    who,
                    aname,
                    () -> List.of(""),
                    RequestArgs.NONE,
                    new Refusal(Errno.ENOENT, NO_SHARE_RULE, ""));
        }
        return guard.inspect(
                Operation.ATTACH,
                who,
                share.name(),
                () -> List.of(""),
                RequestArgs.NONE,
                () -> {
                    Node root = share.root().root();
                    try {
                        return new Attached(share, root, qid(share, root));
                    } catch (P9Exception | RuntimeException e) {
                        root.close();
                        throw e;
                    }
                },
                NO_BYTES);
    }

    public void clunk(Subject who, LocalShare share, Node node) throws P9Exception {
        guard.inspect(
                Operation.CLUNK,
                who,
                share.name(),
                () -> List.of(path(share, node)),
                RequestArgs.NONE,
                () -> DONE,
                NO_BYTES);
    }

    // ---------------------------------------------------------------- lookup and metadata

    public Walked walk(Subject who, LocalShare share, Node from, List<String> names) throws P9Exception {
        // A walk with ".." is checked against the kernel step by step (Walks), so it starts from the kernel's path.
        RequestPaths paths = RequestPaths.of(
                () -> Walks.paths(names.contains("..") ? share.root().currentPath(from) : path(share, from), names));
        // A walk that stopped is answered with the qids it got, but what the guest asked for did not resolve.
        return guard.inspectWith(
                Operation.WALK,
                who,
                share.name(),
                paths,
                new RequestArgs.Walk(names),
                () -> Walks.walk(share, from, names, paths.get()),
                w -> w.stopped() == null ? Outcome.success(0) : Outcome.failure(w.stopped()));
    }

    public Described getattr(Subject who, LocalShare share, Node node) throws P9Exception {
        return guard.inspect(
                Operation.GETATTR,
                who,
                share.name(),
                () -> List.of(path(share, node)),
                RequestArgs.NONE,
                () -> {
                    FileStat stat = Inodes.stat(node);
                    return new Described(
                            SetIdBits.shown(node, ownershipIn(share).shown(node, stat)),
                            share.root().qids().qid(stat));
                },
                NO_BYTES);
    }

    public void setattr(Subject who, LocalShare share, Node node, SetAttr attr) throws P9Exception {
        long moves = quota.moves(); // before the decision reads the path (see QuotaAccounting.resizing)
        RequestPaths paths = RequestPaths.of(() -> List.of(hostPath(share, node)));
        guard.change(
                Operation.SETATTR,
                NO_DATA,
                who,
                share.name(),
                paths,
                new RequestArgs.SetAttr(attr.valid()),
                () -> {
                    if (attr.has(SetAttr.SETATTR_SIZE)) {
                        quota.resizing(share, node, paths.at(0), moves, before -> attr.size() - before, () -> {
                            AttrChanges.apply(node, attr, ownershipIn(share), who.uid());
                            return null;
                        });
                    } else {
                        AttrChanges.apply(node, attr, ownershipIn(share), who.uid());
                    }
                    return DONE;
                },
                NO_BYTES);
    }

    public StatFs statfs(Subject who, LocalShare share, Node node) throws P9Exception {
        return guard.inspect(
                        Operation.STATFS,
                        who,
                        share.name(),
                        () -> List.of(path(share, node)),
                        RequestArgs.NONE,
                        () -> new Stats(Inodes.statfs(node)),
                        NO_BYTES)
                .stats();
    }

    public String readlink(Subject who, LocalShare share, Node node) throws P9Exception {
        return guard.inspect(
                        Operation.READLINK,
                        who,
                        share.name(),
                        () -> List.of(path(share, node)),
                        RequestArgs.NONE,
                        () -> new LinkText(Inodes.readlink(node)),
                        NO_BYTES)
                .target();
    }

    // ---------------------------------------------------------------- open, read, write

    /**
     * An open that truncates changes the file, so it is recorded before the backend call like a write.
     * {@code directoryOnly} (O_DIRECTORY) refuses a non-directory with ENOTDIR, as the decided request's outcome.
     */
    public Opened open(Subject who, LocalShare share, Node node, int hostFlags, boolean directoryOnly)
            throws P9Exception {
        long moves = quota.moves(); // before the decision reads the path (see QuotaAccounting.resizing)
        RequestPaths paths = RequestPaths.of(() -> List.of(path(share, node)));
        BackendCall<Opened> call = () -> {
            if (directoryOnly && !node.isDirectory()) {
                throw new P9Exception(Errno.ENOTDIR, "O_DIRECTORY on a non-directory");
            }
            refuseMappedDevice(share, node);
            OpenFile file = (hostFlags & LinuxSyscalls.O_TRUNC) == 0
                    ? share.io().open(node, hostFlags)
                    : quota.resizing(
                            share,
                            node,
                            paths.at(0),
                            moves,
                            before -> 0,
                            () -> share.io().open(node, hostFlags));
            try {
                return new Opened(file, qid(share, node));
            } catch (P9Exception | RuntimeException e) {
                file.close();
                throw e;
            }
        };
        RequestArgs args = new RequestArgs.Open(hostFlags);
        if ((hostFlags & LinuxSyscalls.O_TRUNC) != 0) {
            return guard.change(Operation.OPEN, NO_DATA, who, share.name(), paths, args, call, NO_BYTES);
        }
        return guard.inspect(Operation.OPEN, who, share.name(), paths, args, call, NO_BYTES);
    }

    public Created create(
            Subject who,
            LocalShare share,
            Node dir,
            String name,
            int hostFlags,
            int askedMode,
            int gid,
            boolean exclusive)
            throws P9Exception {
        int mode = GuestModes.allowed(false, askedMode);
        RequestPaths paths = RequestPaths.of(() -> List.of(child(hostPath(share, dir), name)));
        return guard.change(
                Operation.CREATE,
                NO_DATA,
                who,
                share.name(),
                paths,
                new RequestArgs.Create(name, hostFlags, mode, exclusive),
                () -> {
                    // Without O_EXCL an existing file may be opened: it takes no inode, and its truncation
                    // goes through the quota like any other (so O_TRUNC is applied after the open).
                    FileIo.Created made = quota.creating(
                            share.name(),
                            paths.at(0),
                            false,
                            () -> share.io().create(dir, name, hostFlags & ~LinuxSyscalls.O_TRUNC, mode, exclusive),
                            FileIo.Created::isNew);
                    try {
                        if (made.isNew()) {
                            ownership.created(made.node(), who.uid(), gid, mode);
                            SetIdBits.created(made.node(), askedMode);
                        } else {
                            refuseMappedDevice(share, made.node());
                            if ((hostFlags & LinuxSyscalls.O_TRUNC) != 0) {
                                quota.resizing(share, made.node(), before -> 0, () -> {
                                    Inodes.truncate(made.node(), 0);
                                    return null;
                                });
                            }
                        }
                        // A new file's qid is its creation stat's: chmod and chown change neither size nor mtime.
                        Qid qid = made.isNew() ? share.root().qids().qid(made.stat()) : qid(share, made.node());
                        return new Created(made.node(), made.file(), qid);
                    } catch (P9Exception | RuntimeException e) {
                        made.node().close();
                        made.file().close();
                        throw e;
                    }
                },
                NO_BYTES);
    }

    public int read(Subject who, LocalShare share, Node node, OpenFile file, long offset, ByteBuffer dst)
            throws P9Exception {
        return guard.inspect(
                        Operation.READ,
                        who,
                        share.name(),
                        () -> List.of(path(share, node)),
                        new RequestArgs.FileIo(offset),
                        () -> new Count(share.io().read(file, offset, dst)),
                        Count::n)
                .n();
    }

    public int write(Subject who, LocalShare share, Node node, OpenFile file, long offset, ByteBuffer src)
            throws P9Exception {
        int length = src.remaining();
        boolean append = (file.flags() & LinuxSyscalls.O_APPEND) != 0;
        long moves = quota.moves();
        RequestPaths paths = RequestPaths.of(() -> List.of(path(share, node)));
        return guard.change(
                        Operation.WRITE,
                        length,
                        who,
                        share.name(),
                        paths,
                        new RequestArgs.FileIo(offset),
                        () -> {
                            Count written = new Count(quota.resizing(
                                    share,
                                    node,
                                    paths.at(0),
                                    moves,
                                    before -> append ? length : offset + length - before,
                                    () -> share.io().write(file, offset, src)));
                            SetIdBits.modified(
                                    node,
                                    who.uid(),
                                    () -> ownershipIn(share)
                                            .shown(node, Inodes.stat(node))
                                            .mode());
                            return written;
                        },
                        Count::n)
                .n();
    }

    public void fsync(Subject who, LocalShare share, Node node, OpenFile file, boolean dataOnly) throws P9Exception {
        guard.inspect(
                Operation.FSYNC,
                who,
                share.name(),
                () -> List.of(path(share, node)),
                RequestArgs.NONE,
                () -> {
                    share.io().fsync(file, dataOnly);
                    return DONE;
                },
                NO_BYTES);
    }

    public List<DirEntry> readdir(Subject who, LocalShare share, Node dir, OpenFile file, long offset, int count)
            throws P9Exception {
        return guard.inspect(
                        Operation.READDIR,
                        who,
                        share.name(),
                        () -> List.of(path(share, dir)),
                        new RequestArgs.FileIo(offset),
                        () -> new Listing(visible.next(who, share, dir, path(share, dir), file, offset, count)),
                        NO_BYTES)
                .entries();
    }

    /**
     * A directory read of 9P2000 and 9P2000.u, whose entries are whole stat(5) entries: the same READDIR decision,
     * record and hidden-name filtering as {@link #readdir}, and each listed entry described as getattr would
     * describe it (looked up beneath the directory, never following a symlink). Listing a directory shows what
     * stat shows of its entries, as `ls -l` over 9P2000.L shows it after a walk and getattr of each; an entry
     * removed between the listing and its lookup is left out.
     *
     * @param cookie the host position to read from (0, or a cookie this method returned)
     * @param count  bytes of 9P2000.L directory entries to list at most (the caller packs what fits of them)
     */
    public List<ListedEntry> readdirDescribed(
            Subject who, LocalShare share, Node dir, OpenFile file, long cookie, int count) throws P9Exception {
        return guard.inspect(
                        Operation.READDIR,
                        who,
                        share.name(),
                        () -> List.of(path(share, dir)),
                        new RequestArgs.FileIo(cookie),
                        () -> describe(
                                share, dir, visible.next(who, share, dir, path(share, dir), file, cookie, count)),
                        NO_BYTES)
                .entries();
    }

    private DescribedListing describe(LocalShare share, Node dir, List<DirEntry> listed) throws P9Exception {
        List<ListedEntry> entries = new ArrayList<>(listed.size());
        for (DirEntry e : listed) {
            try (Node node = share.root().lookup(dir, e.name())) {
                FileStat stat = Inodes.stat(node);
                FileStat shown = SetIdBits.shown(node, ownershipIn(share).shown(node, stat));
                entries.add(new ListedEntry(
                        e.name(), new Described(shown, share.root().qids().qid(stat)).attr(), e.offset()));
            } catch (P9Exception gone) {
                if (gone.errno() != Errno.ENOENT) {
                    throw gone;
                }
            }
        }
        return new DescribedListing(entries);
    }

    // ---------------------------------------------------------------- directory entries

    public Qid mkdir(Subject who, LocalShare share, Node dir, String name, int askedMode, int gid) throws P9Exception {
        int mode = GuestModes.allowed(true, askedMode);
        RequestPaths paths = RequestPaths.of(() -> List.of(child(hostPath(share, dir), name)));
        return guard.change(
                        Operation.MKDIR,
                        NO_DATA,
                        who,
                        share.name(),
                        paths,
                        new RequestArgs.Make(name, mode, true, 0, 0),
                        () -> made(
                                share,
                                paths.at(0),
                                true,
                                () -> share.entries().mkdir(dir, name, mode),
                                who.uid(),
                                gid,
                                mode),
                        NO_BYTES)
                .qid();
    }

    public Qid symlink(Subject who, LocalShare share, Node dir, String name, String target, int gid)
            throws P9Exception {
        RequestPaths paths = RequestPaths.of(() -> List.of(child(hostPath(share, dir), name)));
        return guard.change(
                        Operation.SYMLINK,
                        NO_DATA,
                        who,
                        share.name(),
                        paths,
                        new RequestArgs.Symlink(name, target),
                        () -> made(
                                share,
                                paths.at(0),
                                false,
                                () -> share.entries().symlink(dir, name, target),
                                who.uid(),
                                gid,
                                SYMLINK_MODE),
                        NO_BYTES)
                .qid();
    }

    /**
     * Fifos, sockets and regular files are made as asked. A character or block device never becomes a host
     * device node (R-CONF-2): refused with EPERM, or in a {@code devices: mapped} share stored as an inert
     * {@link MappedDevice} that the guest sees as its device.
     */
    public Qid mknod(Subject who, LocalShare share, Node dir, String name, int askedMode, int major, int minor, int gid)
            throws P9Exception {
        int mode = GuestModes.allowed(false, askedMode); // mknod never makes a directory
        RequestPaths paths = RequestPaths.of(() -> List.of(child(hostPath(share, dir), name)));
        RequestArgs args = new RequestArgs.Make(name, mode, false, major, minor);
        Optional<MappedDevice> device = MappedDevice.requested(mode, major, minor);
        if (device.isEmpty()) {
            return guard.change(
                            Operation.MKNOD,
                            NO_DATA,
                            who,
                            share.name(),
                            paths,
                            args,
                            () -> made(
                                    share,
                                    paths.at(0),
                                    false,
                                    () -> share.entries().mknod(dir, name, mode, major, minor),
                                    who.uid(),
                                    gid,
                                    mode),
                            NO_BYTES)
                    .qid();
        }
        ShareSafety.Settings settings = safety.of(share.name());
        if (!settings.mapsDevices()) {
            throw guard.refusedByShare(
                    Operation.MKNOD, who, share.name(), paths, args, Errno.EPERM, settings.devicesRule());
        }
        return guard.change(
                        Operation.MKNOD,
                        NO_DATA,
                        who,
                        share.name(),
                        paths,
                        args,
                        () -> made(
                                share,
                                paths.at(0),
                                false,
                                () -> share.entries().mknodMapped(dir, name, device.get()),
                                who.uid(),
                                gid,
                                MappedDevice.HOST_PERMS),
                        NO_BYTES)
                .qid();
    }

    /** Tlink: {@code target} (a fid of {@code targetShare}) gets the new name {@code name} in {@code dir}. */
    public void link(Subject who, LocalShare share, Node dir, LocalShare targetShare, Node target, String name)
            throws P9Exception {
        RequestArgs args = new RequestArgs.EntryNames(List.of(name));
        requireOneShare(
                Operation.LINK,
                who,
                targetShare,
                () -> hostPath(targetShare, target),
                share,
                () -> child(hostPath(share, dir), name),
                args);
        RequestPaths paths = RequestPaths.of(() -> List.of(hostPath(share, target), child(hostPath(share, dir), name)));
        guard.change(
                Operation.LINK,
                NO_DATA,
                who,
                share.name(),
                paths,
                args,
                () -> {
                    quota.linking(share, target, paths.at(1), () -> {
                        share.entries().link(target, dir, name);
                        return null;
                    });
                    return DONE;
                },
                NO_BYTES);
    }

    /** Trename: {@code node} (of {@code share}) becomes {@code newName} in {@code newDir} (of {@code dirShare}). */
    public void rename(Subject who, LocalShare share, Node node, LocalShare dirShare, Node newDir, String newName)
            throws P9Exception {
        RequestArgs args = new RequestArgs.EntryNames(List.of(newName));
        requireOneShare(
                Operation.RENAME,
                who,
                share,
                () -> hostPath(share, node),
                dirShare,
                () -> child(hostPath(dirShare, newDir), newName),
                args);
        RequestPaths paths =
                RequestPaths.of(() -> List.of(hostPath(share, node), child(hostPath(share, newDir), newName)));
        guard.change(
                Operation.RENAME,
                NO_DATA,
                who,
                share.name(),
                paths,
                args,
                () -> {
                    quota.moving(
                            share.name(),
                            QuotaAccounting.held(share, node),
                            QuotaAccounting.named(newDir, newName, paths.at(1)),
                            () -> {
                                share.entries()
                                        .rename(
                                                node,
                                                newDir,
                                                newName,
                                                replaceable(
                                                        who, share, paths.get().get(1)));
                                return null;
                            });
                    return DONE;
                },
                NO_BYTES);
    }

    /** Trenameat: {@code oldName} in {@code oldDir} (of {@code share}) becomes {@code newName} in {@code newDir}. */
    public void renameat(
            Subject who,
            LocalShare share,
            Node oldDir,
            String oldName,
            LocalShare newShare,
            Node newDir,
            String newName)
            throws P9Exception {
        RequestArgs args = new RequestArgs.EntryNames(List.of(oldName, newName));
        requireOneShare(
                Operation.RENAME,
                who,
                share,
                () -> child(hostPath(share, oldDir), oldName),
                newShare,
                () -> child(path(newShare, newDir), newName),
                args);
        RequestPaths paths = RequestPaths.of(
                () -> List.of(child(hostPath(share, oldDir), oldName), child(hostPath(share, newDir), newName)));
        guard.change(
                Operation.RENAME,
                NO_DATA,
                who,
                share.name(),
                paths,
                args,
                () -> {
                    quota.moving(
                            share.name(),
                            QuotaAccounting.named(oldDir, oldName, paths.at(0)),
                            QuotaAccounting.named(newDir, newName, paths.at(1)),
                            () -> {
                                share.entries()
                                        .renameAt(
                                                oldDir,
                                                oldName,
                                                newDir,
                                                newName,
                                                replaceable(
                                                        who, share, paths.get().get(1)));
                                return null;
                            });
                    return DONE;
                },
                NO_BYTES);
    }

    /**
     * Whether a rename may replace what is at {@code path}: renaming onto a name removes the file that had it, so
     * only where it could be removed (a deny of REMOVE on {@code /crash/**} must keep {@code mv junk /crash/report}
     * from destroying the report). A policy that cannot judge it refuses the replacement (fail closed).
     */
    private boolean replaceable(Subject who, LocalShare share, String path) {
        try {
            return policy.replaceable(vm, share.name(), path, who.uid(), who.gid());
        } catch (RuntimeException e) {
            UnexpectedFaults.log("policy replaceability", e);
            return false;
        }
    }

    @FunctionalInterface
    private interface PathOf {
        String get() throws P9Exception;
    }

    /**
     * A link or rename between two shares is EXDEV (each share is its own filesystem to the guest), refused before
     * the policy is asked and recorded in the source's share with the destination's share in the detail. A bad
     * name is refused as such first.
     */
    private void requireOneShare(
            Operation op,
            Subject who,
            LocalShare from,
            PathOf source,
            LocalShare to,
            PathOf destination,
            RequestArgs args)
            throws P9Exception {
        if (from == to) {
            return;
        }
        PathsOf paths = () -> List.of(source.get(), destination.get());
        guard.requireValidNames(op, who, from.name(), paths, args);
        throw guard.refused(
                op, who, from.name(), paths, args, new Refusal(Errno.EXDEV, CROSS_SHARE_RULE, "to_share=" + to.name()));
    }

    public void unlinkat(Subject who, LocalShare share, Node dir, String name, boolean directory) throws P9Exception {
        RequestPaths paths = RequestPaths.of(() -> List.of(child(hostPath(share, dir), name)));
        guard.change(
                Operation.REMOVE,
                NO_DATA,
                who,
                share.name(),
                paths,
                new RequestArgs.Unlink(name, directory),
                () -> {
                    quota.removing(share.name(), QuotaAccounting.named(dir, name, paths.at(0)), () -> {
                        share.entries().unlinkAt(dir, name, directory);
                        return null;
                    });
                    return DONE;
                },
                NO_BYTES);
    }

    public void remove(Subject who, LocalShare share, Node node) throws P9Exception {
        RequestPaths paths = RequestPaths.of(() -> List.of(hostPath(share, node)));
        guard.change(
                Operation.REMOVE,
                NO_DATA,
                who,
                share.name(),
                paths,
                RequestArgs.NONE,
                () -> {
                    quota.removing(share.name(), QuotaAccounting.held(share, node), () -> {
                        share.entries().remove(node);
                        return null;
                    });
                    return DONE;
                },
                NO_BYTES);
    }

    // ---------------------------------------------------------------- extended attributes

    public byte[] xattrGet(Subject who, LocalShare share, Node node, String name) throws P9Exception {
        return guard.inspect(
                        Operation.XATTR_GET,
                        who,
                        share.name(),
                        () -> List.of(path(share, node)),
                        new RequestArgs.Xattr(name),
                        () -> {
                            GuestXattrs.checkReadable(name);
                            return new Value(Xattrs.get(node, name));
                        },
                        v -> v.bytes().length)
                .bytes();
    }

    public byte[] xattrList(Subject who, LocalShare share, Node node) throws P9Exception {
        return guard.inspect(
                        Operation.XATTR_LIST,
                        who,
                        share.name(),
                        () -> List.of(path(share, node)),
                        RequestArgs.NONE,
                        () -> new Value(GuestXattrs.listed(Xattrs.list(node))),
                        v -> v.bytes().length)
                .bytes();
    }

    /** Txattrcreate: decides whether the value may be written; the backend is touched at commit. */
    public PendingXattr xattrCreate(Subject who, LocalShare share, Node node, String name, long size, int flags)
            throws P9Exception {
        return guard.inspect(
                        Operation.XATTR_CREATE,
                        who,
                        share.name(),
                        () -> List.of(hostPath(share, node)),
                        new RequestArgs.Xattr(name),
                        () -> {
                            if (size < 0 || size > Xattrs.MAX_VALUE) {
                                throw new P9Exception(Errno.E2BIG, "xattr value of " + size + " bytes");
                            }
                            GuestXattrs.checkWritable(name);
                            if ((flags & ~(Xattrs.XATTR_CREATE | Xattrs.XATTR_REPLACE)) != 0 || name.isEmpty()) {
                                throw new P9Exception(Errno.EINVAL, "xattr flags 0x" + Integer.toHexString(flags));
                            }
                            return new Pending(new PendingXattr(name, (int) size, flags));
                        },
                        NO_BYTES)
                .xattr();
    }

    /** Twrite on a Txattrcreate fid: fills the pending value. */
    public int writeXattr(Subject who, LocalShare share, Node node, PendingXattr pending, long offset, ByteBuffer data)
            throws P9Exception {
        return guard.change(
                        Operation.WRITE,
                        data.remaining(),
                        who,
                        share.name(),
                        () -> List.of(path(share, node)),
                        new RequestArgs.XattrIo(pending.name(), offset),
                        () -> new Count(pending.write(offset, data)),
                        Count::n)
                .n();
    }

    /** Tread on a Txattrwalk fid: a slice of the value (or name list) fetched at walk time. */
    public ByteBuf readXattr(
            Subject who, LocalShare share, Node node, String name, byte[] value, long offset, int count)
            throws P9Exception {
        return guard.inspect(
                        Operation.READ,
                        who,
                        share.name(),
                        () -> List.of(path(share, node)),
                        new RequestArgs.XattrIo(name, offset),
                        () -> {
                            if (offset < 0 || offset > value.length) {
                                throw new P9Exception(Errno.EINVAL, "xattr read offset " + offset);
                            }
                            int n = (int) Math.min(count, value.length - offset);
                            return new XattrSlice(Unpooled.copiedBuffer(value, (int) offset, n));
                        },
                        x -> x.data().readableBytes())
                .data();
    }

    /** Clunk of a Txattrcreate fid: sets (or, for an empty value, removes) the attribute. */
    public void commitXattr(Subject who, LocalShare share, Node node, PendingXattr pending) throws P9Exception {
        guard.change(
                Operation.XATTR_COMMIT,
                NO_DATA,
                who,
                share.name(),
                () -> List.of(hostPath(share, node)),
                new RequestArgs.Xattr(pending.name()),
                () -> {
                    byte[] value = pending.value();
                    if (value.length == 0) {
                        Xattrs.remove(node, pending.name());
                    } else {
                        Xattrs.set(node, pending.name(), value, pending.flags());
                    }
                    return DONE;
                },
                NO_BYTES);
    }

    // ---------------------------------------------------------------- locks

    public int lock(
            Subject who,
            LocalShare share,
            Node node,
            LockTable table,
            LockTable.Owner owner,
            int type,
            long start,
            long length)
            throws P9Exception {
        // A conflict is answered LOCK_BLOCKED (EAGAIN to the guest's program): the intent record must not stand alone.
        return guard.changeWith(
                        Operation.LOCK,
                        NO_DATA,
                        who,
                        share.name(),
                        () -> List.of(path(share, node)),
                        new RequestArgs.Lock(type, start, length),
                        () -> {
                            LockTable.checkType(type);
                            return new Count(table.lock(node.key(), owner, type, start, length));
                        },
                        status -> status.n() == LockConstants.LOCK_BLOCKED
                                ? Outcome.failure(Errno.EAGAIN)
                                : Outcome.success(NO_DATA))
                .n();
    }

    public Optional<LockTable.Range> getlock(
            Subject who,
            LocalShare share,
            Node node,
            LockTable table,
            LockTable.Owner owner,
            int type,
            long start,
            long length)
            throws P9Exception {
        return guard.inspect(
                        Operation.GETLOCK,
                        who,
                        share.name(),
                        () -> List.of(path(share, node)),
                        new RequestArgs.Lock(type, start, length),
                        () -> {
                            LockTable.checkType(type);
                            return new Conflict(table.test(node.key(), owner, type, start, length));
                        },
                        NO_BYTES)
                .range();
    }

    // ---------------------------------------------------------------- helpers

    /** The VM this session speaks for (its identity from the transport). */
    public String vm() {
        return vm;
    }

    private static String path(LocalShare share, Node node) throws P9Exception {
        return share.root().relativePath(node);
    }

    /**
     * The path of a request that changes the host, confirmed by the kernel: a remembered path does not see a
     * host's move out of the share (docs/architecture.md, "Share paths carried by the handle").
     */
    private static String hostPath(LocalShare share, Node node) throws P9Exception {
        return share.root().confirmedPath(node);
    }

    static String child(String dir, String name) {
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    static Qid qid(LocalShare share, Node node) throws P9Exception {
        return share.root().qids().qid(Inodes.stat(node));
    }

    /** The VM's ownership as this share keeps it: a share that maps devices keeps their modes in the mapping. */
    private Ownership ownershipIn(LocalShare share) {
        return safety.of(share.name()).mapsDevices() ? new MappedDevices(ownership) : ownership;
    }

    /** A mapped device is never opened (the guest's kernel opens its own device for it), like a real one. */
    private void refuseMappedDevice(LocalShare share, Node node) throws P9Exception {
        if (safety.of(share.name()).mapsDevices() && MappedDevice.of(node).isPresent()) {
            throw new P9Exception(Errno.ENXIO, "a mapped device node is not opened on the host");
        }
    }

    /** Creates an entry (one inode of quota), gives it to the guest user (see {@link Ownership}); its qid. */
    private Made made(
            LocalShare share,
            QuotaAccounting.Call<String> pathOf,
            boolean directory,
            QuotaAccounting.Call<Node> create,
            int uid,
            int gid,
            int mode)
            throws P9Exception {
        try (Node node = quota.creating(share.name(), pathOf, directory, create)) {
            ownership.created(node, uid, gid, mode);
            return new Made(qid(share, node));
        }
    }
}
