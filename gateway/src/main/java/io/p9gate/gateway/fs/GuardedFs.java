package io.p9gate.gateway.fs;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.backend.FileIo;
import io.p9gate.gateway.backend.FileStat;
import io.p9gate.gateway.backend.Inodes;
import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.LockTable;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.backend.OpenFile;
import io.p9gate.gateway.backend.Xattrs;
import io.p9gate.gateway.budget.OverBudget;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.StatFs;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.function.ToLongFunction;

/**
 * The single choke point between the 9P operations and the backend (R-POL-2, R-AUD-1, R-AUD-4).
 * Every public method is one guest request: (0) a request is refused with EIO at once when the audit
 * trail can no longer record, (1) the policy decides on the share-relative path(s), (2) a denial is
 * recorded and refused, (3) only if allowed the backend is called. A request that only looks
 * ({@link #inspect}) is recorded after the backend call with its outcome; a request that changes
 * the host ({@link #change}) is recorded <em>before</em> the backend call, so that no change
 * happens unrecorded, plus an outcome record only if it failed. A failed recording fails the
 * request with EIO (R-AUD-4). The operations layer never calls the backend by any other route.
 */
public final class GuardedFs {
    private static final List<String> CONFINEMENT_RULE = List.of("confinement");
    private static final List<String> POLICY_ERROR_RULE = List.of("policy-error");
    private static final int SYMLINK_MODE = 0777;
    private static final int DT_DIR = 4;

    private final String vm;
    private final long sessionId;
    private final AccessPolicy policy;
    private final AuditTrail audit;
    private final Ownership ownership;
    private final QuotaAccounting quota;

    /** Guest ids are host ids (no mapping) and no quotas: the gateway without a policy. */
    public GuardedFs(String vm, long sessionId, AccessPolicy policy, AuditTrail audit) {
        this(vm, sessionId, policy, audit, ChownedIds.UNMAPPED, Quotas.NONE);
    }

    /**
     * @param ownership how this VM's ids and modes are kept on the host (R-POL-5)
     * @param quotas    this VM's quota scopes (R-POL-6)
     */
    public GuardedFs(String vm, long sessionId, AccessPolicy policy, AuditTrail audit, Ownership ownership,
                     Quotas quotas) {
        this.vm = vm;
        this.sessionId = sessionId;
        this.policy = policy;
        this.audit = audit;
        this.ownership = ownership;
        this.quota = new QuotaAccounting(quotas);
    }

    // ---------------------------------------------------------------- the choke point

    @FunctionalInterface
    private interface BackendCall<T> {
        T run() throws P9Exception;
    }

    @FunctionalInterface
    private interface PathsOf {
        List<String> get() throws P9Exception;
    }

    /**
     * A request's share-relative paths, derived once (each is a readlink of a handle) and then shared by
     * the decision, its records and the quota scope, so all of them name the same paths.
     */
    private static final class RequestPaths implements PathsOf {
        private final PathsOf derive;
        private List<String> paths;

        private RequestPaths(PathsOf derive) {
            this.derive = derive;
        }

        static RequestPaths of(PathsOf derive) {
            return new RequestPaths(derive);
        }

        @Override
        public List<String> get() throws P9Exception {
            if (paths == null) {
                paths = List.copyOf(derive.get());
            }
            return paths;
        }

        /** The {@code index}th path, for the quota accounting. */
        QuotaAccounting.Call<String> at(int index) {
            return () -> get().get(index);
        }
    }

    private static final ToLongFunction<Object> NO_BYTES = r -> 0;
    /** What a change that moves no data announces (and, through {@link #NO_BYTES}, moves). */
    private static final long NO_DATA = 0;

    /** A request that only looks: recorded once, after the backend call, with its final outcome. */
    private <T> T inspect(Operation op, Subject who, String share, PathsOf paths, String detail,
                          BackendCall<T> call, ToLongFunction<? super T> bytes) throws P9Exception {
        Decided decided = decided(op, who, share, paths, detail);
        T result = run(decided, call, RecordPhase.DONE, AuditTrail.NO_SEQ);
        try {
            record(decided, Outcome.success(bytes.applyAsLong(result)), RecordPhase.DONE, AuditTrail.NO_SEQ);
        } catch (P9Exception e) {
            release(result);
            throw e;
        }
        return result;
    }

    /**
     * A request that changes the host: its record is written before the backend call, so a change never
     * happens unrecorded (R-AUD-4). A failure or a byte count other than {@code announced} adds an outcome
     * record pointing at the intent.
     */
    private <T> T change(Operation op, long announced, Subject who, String share, PathsOf paths, String detail,
                         BackendCall<T> call, ToLongFunction<? super T> bytes) throws P9Exception {
        Decided decided = decided(op, who, share, paths, detail);
        long intent = record(decided, Outcome.success(announced), RecordPhase.INTENT, AuditTrail.NO_SEQ);
        T result = run(decided, call, RecordPhase.OUTCOME, intent);
        long moved = bytes.applyAsLong(result);
        if (moved != announced) {
            try {
                record(decided, Outcome.success(moved), RecordPhase.OUTCOME, intent);
            } catch (P9Exception e) {
                release(result);
                throw e;
            }
        }
        return result;
    }

    /** A decided request: what every record of this request carries. */
    private record Decided(int tag, MessageType message, AccessRequest request, Decision decision) {
        /** The same request, refused by a budget of its VM after the policy allowed it. */
        Decided refusedBy(OverBudget budget) {
            return new Decided(tag, message, request, new Decision(false, budget.errno(), List.of(budget.rule()),
                    decision.policyDigest(), decision.hostIds()));
        }
    }

    /**
     * Refuses up front when nothing can be recorded; decides; records and throws a denial. The cheap
     * {@link AuditTrail#writable()} check comes first so a broken log stops requests before they do anything.
     */
    private Decided decided(Operation op, Subject who, String share, PathsOf paths, String detail)
            throws P9Exception {
        if (!audit.writable()) {
            throw new P9Exception(Errno.EIO, "audit trail cannot record: refusing " + op);
        }
        AccessRequest request;
        Decision decision;
        try {
            request = new AccessRequest(vm, sessionId, op, share, paths.get(), who.uid(), who.gid(), detail);
            decision = decide(request);
        } catch (P9Exception e) {
            // The handle's path cannot be named inside the share (moved out by the host): refuse.
            request = new AccessRequest(vm, sessionId, op, share, List.of(), who.uid(), who.gid(), detail);
            decision = Decision.deny(e.errno(), CONFINEMENT_RULE);
        }
        Decided decided = new Decided(RequestScope.tag(), RequestScope.type(), request, decision);
        if (!decision.allowed()) {
            record(decided, Outcome.failure(decision.errno()), RecordPhase.DONE, AuditTrail.NO_SEQ);
            throw new P9Exception(decision.errno(), op + " denied by " + decision.ruleIds());
        }
        return decided;
    }

    /** Runs the backend call; a failure is recorded in {@code phase} (an outcome names its {@code intent}). */
    private <T> T run(Decided decided, BackendCall<T> call, RecordPhase phase, long intent) throws P9Exception {
        try {
            return call.run();
        } catch (OverBudget e) {
            // The VM's budget refused what the policy allowed: recorded as that budget's denial (R-ROB-2).
            record(decided.refusedBy(e), Outcome.failure(e.errno()), phase, intent);
            throw e;
        } catch (P9Exception e) {
            record(decided, Outcome.failure(e.errno()), phase, intent);
            throw e;
        } catch (RuntimeException e) {
            record(decided, Outcome.failure(Errno.EIO), phase, intent);
            throw new P9Exception(Errno.EIO, decided.request().operation() + " failed unexpectedly", e);
        }
    }

    /**
     * A request refused by one of the VM's budgets before it is decided (R-ROB-2), e.g. a walk once the VM's
     * fids are spent: recorded like any denial, the budget as its rule. {@code at} is where the request starts
     * (null: the share root). Returns what to throw: the refusal, or EIO if it could not be recorded.
     */
    public P9Exception overBudget(Operation op, Subject who, LocalShare share, Node at, String detail,
                                  OverBudget refusal) {
        List<String> paths;
        try {
            paths = List.of(at == null ? "" : path(share, at));
        } catch (P9Exception e) {
            paths = List.of();
        }
        Decided refused = new Decided(RequestScope.tag(), RequestScope.type(),
                new AccessRequest(vm, sessionId, op, share.name(), paths, who.uid(), who.gid(), detail),
                Decision.deny(refusal.errno(), List.of(refusal.rule())));
        try {
            record(refused, Outcome.failure(refusal.errno()), RecordPhase.DONE, AuditTrail.NO_SEQ);
        } catch (P9Exception e) {
            return e;
        }
        return refusal;
    }

    private Decision decide(AccessRequest request) {
        try {
            Decision d = policy.decide(request);
            return d != null ? d : Decision.deny(Errno.EIO, POLICY_ERROR_RULE);
        } catch (RuntimeException e) {
            return Decision.deny(Errno.EIO, POLICY_ERROR_RULE);
        }
    }

    private long record(Decided d, Outcome outcome, RecordPhase phase, long intent) throws P9Exception {
        AuditEntry entry = new AuditEntry(d.tag(), d.message(), d.request(), d.decision(), outcome, phase, intent);
        try {
            return audit.record(entry);
        } catch (P9Exception e) {
            throw new P9Exception(Errno.EIO, "audit record failed: refusing " + d.request().operation(), e);
        } catch (RuntimeException e) {
            throw new P9Exception(Errno.EIO, "audit trail fault: refusing " + d.request().operation(), e);
        }
    }

    /** An unrecorded success must not leak the handles it produced. */
    private static void release(Object result) {
        switch (result) {
            case AutoCloseable c -> {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // Best effort: the request already failed.
                }
            }
            case Opened o -> o.file().close();
            case Attached a -> a.root().close();
            case Created c -> {
                c.node().close();
                c.file().close();
            }
            case Walked w when w.node() != null -> w.node().close();
            case ByteBuf b -> b.release();
            case null, default -> {
            }
        }
    }

    // ---------------------------------------------------------------- results

    /** Twalk: the qids of the names walked; {@code node} is null if the walk stopped early. */
    public record Walked(List<Qid> qids, Node node) {
    }

    public record Attached(Node root, Qid qid) {
    }

    public record Opened(OpenFile file, Qid qid) {
    }

    public record Created(Node node, OpenFile file, Qid qid) {
    }

    public record Described(FileStat stat, Qid qid) {
    }

    // ---------------------------------------------------------------- session

    public void auth(Subject who, String aname) throws P9Exception {
        inspect(Operation.AUTH, who, aname, () -> List.of(), "", () -> {
            throw new P9Exception(Errno.EOPNOTSUPP, "no authentication: identity comes from the transport");
        }, NO_BYTES);
    }

    public Attached attach(Subject who, LocalShare share) throws P9Exception {
        return inspect(Operation.ATTACH, who, share.name(), () -> List.of(""), "", () -> {
            Node root = share.root().root();
            try {
                return new Attached(root, qid(share, root));
            } catch (P9Exception | RuntimeException e) {
                root.close();
                throw e;
            }
        }, NO_BYTES);
    }

    public void clunk(Subject who, LocalShare share, Node node) throws P9Exception {
        inspect(Operation.CLUNK, who, share.name(), () -> List.of(path(share, node)), "", () -> null, NO_BYTES);
    }

    // ---------------------------------------------------------------- lookup and metadata

    public Walked walk(Subject who, LocalShare share, Node from, List<String> names) throws P9Exception {
        return inspect(Operation.WALK, who, share.name(), () -> Walks.paths(path(share, from), names),
                String.join("/", names), () -> Walks.walk(share, from, names), NO_BYTES);
    }

    public Described getattr(Subject who, LocalShare share, Node node) throws P9Exception {
        return inspect(Operation.GETATTR, who, share.name(), () -> List.of(path(share, node)), "", () -> {
            FileStat stat = Inodes.stat(node);
            return new Described(ownership.shown(node, stat), share.root().qids().qid(stat));
        }, NO_BYTES);
    }

    public void setattr(Subject who, LocalShare share, Node node, SetAttr attr) throws P9Exception {
        RequestPaths paths = RequestPaths.of(() -> List.of(path(share, node)));
        change(Operation.SETATTR, NO_DATA, who, share.name(), paths,
                "valid=0x" + Integer.toHexString(attr.valid()), () -> {
                    if (attr.has(SetAttr.SETATTR_SIZE)) {
                        quota.resizing(share.name(), paths.at(0), node,
                                before -> attr.size() - before, () -> {
                            AttrChanges.apply(node, attr, ownership);
                            return null;
                        });
                    } else {
                        AttrChanges.apply(node, attr, ownership);
                    }
                    return null;
                }, NO_BYTES);
    }

    public StatFs statfs(Subject who, LocalShare share, Node node) throws P9Exception {
        return inspect(Operation.STATFS, who, share.name(), () -> List.of(path(share, node)), "",
                () -> Inodes.statfs(node), NO_BYTES);
    }

    public String readlink(Subject who, LocalShare share, Node node) throws P9Exception {
        return inspect(Operation.READLINK, who, share.name(), () -> List.of(path(share, node)), "",
                () -> Inodes.readlink(node), NO_BYTES);
    }

    // ---------------------------------------------------------------- open, read, write

    /** An open that truncates changes the file, so it is recorded before the backend call like a write. */
    public Opened open(Subject who, LocalShare share, Node node, int hostFlags) throws P9Exception {
        RequestPaths paths = RequestPaths.of(() -> List.of(path(share, node)));
        BackendCall<Opened> call = () -> {
            OpenFile file = (hostFlags & LinuxSyscalls.O_TRUNC) == 0 ? share.io().open(node, hostFlags)
                    : quota.resizing(share.name(), paths.at(0), node, before -> 0,
                            () -> share.io().open(node, hostFlags));
            try {
                return new Opened(file, qid(share, node));
            } catch (P9Exception | RuntimeException e) {
                file.close();
                throw e;
            }
        };
        if ((hostFlags & LinuxSyscalls.O_TRUNC) != 0) {
            return change(Operation.OPEN, NO_DATA, who, share.name(), paths, flags(hostFlags), call, NO_BYTES);
        }
        return inspect(Operation.OPEN, who, share.name(), paths, flags(hostFlags), call, NO_BYTES);
    }

    public Created create(Subject who, LocalShare share, Node dir, String name, int hostFlags, int askedMode,
                          int gid, boolean exclusive) throws P9Exception {
        int mode = GuestModes.allowed(false, askedMode);
        RequestPaths paths = RequestPaths.of(() -> List.of(child(path(share, dir), name)));
        return change(Operation.CREATE, NO_DATA, who, share.name(), paths,
                flags(hostFlags) + " mode=" + Integer.toOctalString(mode), () -> {
                    FileIo.Created made = quota.creating(share.name(), paths.at(0),
                            () -> share.io().create(dir, name, hostFlags, mode, exclusive));
                    try {
                        if (made.isNew()) {
                            ownership.created(made.node(), who.uid(), gid, mode);
                        }
                        return new Created(made.node(), made.file(), qid(share, made.node()));
                    } catch (P9Exception | RuntimeException e) {
                        made.node().close();
                        made.file().close();
                        throw e;
                    }
                }, NO_BYTES);
    }

    public int read(Subject who, LocalShare share, Node node, OpenFile file, long offset, ByteBuffer dst)
            throws P9Exception {
        return inspect(Operation.READ, who, share.name(), () -> List.of(path(share, node)), "offset=" + offset,
                () -> share.io().read(file, offset, dst), n -> n);
    }

    public int write(Subject who, LocalShare share, Node node, OpenFile file, long offset, ByteBuffer src)
            throws P9Exception {
        int length = src.remaining();
        boolean append = (file.flags() & LinuxSyscalls.O_APPEND) != 0;
        RequestPaths paths = RequestPaths.of(() -> List.of(path(share, node)));
        return change(Operation.WRITE, length, who, share.name(), paths,
                "offset=" + offset, () -> quota.resizing(share.name(), paths.at(0), node,
                        before -> append ? length : offset + length - before,
                        () -> share.io().write(file, offset, src)), n -> n);
    }

    public void fsync(Subject who, LocalShare share, Node node, OpenFile file, boolean dataOnly) throws P9Exception {
        inspect(Operation.FSYNC, who, share.name(), () -> List.of(path(share, node)), "", () -> {
            share.io().fsync(file, dataOnly);
            return null;
        }, NO_BYTES);
    }

    public List<DirEntry> readdir(Subject who, LocalShare share, Node dir, OpenFile file, long offset, int count)
            throws P9Exception {
        return inspect(Operation.READDIR, who, share.name(), () -> List.of(path(share, dir)), "offset=" + offset,
                () -> visibleEntries(who, share, dir, file, offset, count), NO_BYTES);
    }

    /** Batches of hidden entries alone that one Treaddir reads past before it answers (bounded work, R-ROB-2). */
    static final int MAX_HIDDEN_BATCHES = 4;

    /**
     * The next entries the policy lets this VM see (hidden subtrees are absent, R-POL-4). A batch
     * whose entries are all hidden is skipped, since an empty reply means end of directory. So that
     * one request never scans a whole directory of hidden names (holding a worker), after
     * {@link #MAX_HIDDEN_BATCHES} such batches the reply is the directory's own "." at the cookie reached:
     * the listing resumes after the hidden names and none of them is shown.
     */
    private List<DirEntry> visibleEntries(Subject who, LocalShare share, Node dir, OpenFile file, long offset,
                                          int count) throws P9Exception {
        String dirPath = path(share, dir);
        long cursor = offset;
        for (int skipped = 1; ; skipped++) {
            List<DirEntry> batch = share.dirs().read(file, cursor, count);
            List<DirEntry> shown = batch.stream().filter(e -> isListed(who, share, dirPath, e.name())).toList();
            if (!shown.isEmpty() || batch.isEmpty()) {
                return shown;
            }
            cursor = batch.getLast().offset();
            if (skipped == MAX_HIDDEN_BATCHES) {
                return List.of(new DirEntry(qid(share, dir), cursor, DT_DIR, "."));
            }
        }
    }

    private boolean isListed(Subject who, LocalShare share, String dirPath, String name) {
        if (name.equals(".") || name.equals("..")) {
            return true;
        }
        try {
            return policy.visible(vm, share.name(), child(dirPath, name), who.uid(), who.gid());
        } catch (RuntimeException e) {
            return false; // fail closed: an entry the policy cannot judge is not shown
        }
    }

    // ---------------------------------------------------------------- directory entries

    public Qid mkdir(Subject who, LocalShare share, Node dir, String name, int askedMode, int gid)
            throws P9Exception {
        int mode = GuestModes.allowed(true, askedMode);
        RequestPaths paths = RequestPaths.of(() -> List.of(child(path(share, dir), name)));
        return change(Operation.MKDIR, NO_DATA, who, share.name(), paths,
                "mode=" + Integer.toOctalString(mode), () -> made(share, paths.at(0),
                        () -> share.entries().mkdir(dir, name, mode), who.uid(), gid, mode), NO_BYTES);
    }

    public Qid symlink(Subject who, LocalShare share, Node dir, String name, String target, int gid)
            throws P9Exception {
        RequestPaths paths = RequestPaths.of(() -> List.of(child(path(share, dir), name)));
        return change(Operation.SYMLINK, NO_DATA, who, share.name(), paths,
                "target=" + target, () -> made(share, paths.at(0), () -> share.entries().symlink(dir, name, target),
                        who.uid(), gid, SYMLINK_MODE), NO_BYTES);
    }

    public Qid mknod(Subject who, LocalShare share, Node dir, String name, int askedMode, int major, int minor,
                     int gid) throws P9Exception {
        int mode = GuestModes.allowed(false, askedMode); // mknod never makes a directory
        RequestPaths paths = RequestPaths.of(() -> List.of(child(path(share, dir), name)));
        return change(Operation.MKNOD, NO_DATA, who, share.name(), paths,
                "mode=" + Integer.toOctalString(mode) + " dev=" + major + ":" + minor,
                () -> made(share, paths.at(0), () -> share.entries().mknod(dir, name, mode, major, minor), who.uid(),
                        gid, mode), NO_BYTES);
    }

    public void link(Subject who, LocalShare share, Node dir, Node target, String name) throws P9Exception {
        RequestPaths paths = RequestPaths.of(() -> List.of(path(share, target), child(path(share, dir), name)));
        change(Operation.LINK, NO_DATA, who, share.name(), paths, "", () -> {
                    quota.linking(share.name(), paths.at(0), paths.at(1), () -> {
                        share.entries().link(target, dir, name);
                        return null;
                    });
                    return null;
                }, NO_BYTES);
    }

    public void rename(Subject who, LocalShare share, Node node, Node newDir, String newName) throws P9Exception {
        RequestPaths paths = RequestPaths.of(() -> List.of(path(share, node), child(path(share, newDir), newName)));
        change(Operation.RENAME, NO_DATA, who, share.name(), paths, "", () -> {
                    quota.moving(share.name(), paths.at(0), paths.at(1),
                            () -> Inodes.stat(node), () -> QuotaAccounting.statOf(share, newDir, newName), () -> {
                                share.entries().rename(node, newDir, newName);
                                return null;
                            });
                    return null;
                }, NO_BYTES);
    }

    public void renameat(Subject who, LocalShare share, Node oldDir, String oldName, Node newDir, String newName)
            throws P9Exception {
        RequestPaths paths = RequestPaths.of(
                () -> List.of(child(path(share, oldDir), oldName), child(path(share, newDir), newName)));
        change(Operation.RENAME, NO_DATA, who, share.name(), paths, "", () -> {
                    quota.moving(share.name(), paths.at(0), paths.at(1),
                            () -> QuotaAccounting.statOf(share, oldDir, oldName),
                            () -> QuotaAccounting.statOf(share, newDir, newName), () -> {
                                share.entries().renameAt(oldDir, oldName, newDir, newName);
                                return null;
                            });
                    return null;
                }, NO_BYTES);
    }

    public void unlinkat(Subject who, LocalShare share, Node dir, String name, boolean directory)
            throws P9Exception {
        RequestPaths paths = RequestPaths.of(() -> List.of(child(path(share, dir), name)));
        change(Operation.REMOVE, NO_DATA, who, share.name(), paths,
                directory ? "dir" : "", () -> {
                    quota.removing(share.name(), paths.at(0),
                            () -> QuotaAccounting.statOf(share, dir, name), () -> {
                                share.entries().unlinkAt(dir, name, directory);
                                return null;
                            });
                    return null;
                }, NO_BYTES);
    }

    public void remove(Subject who, LocalShare share, Node node) throws P9Exception {
        RequestPaths paths = RequestPaths.of(() -> List.of(path(share, node)));
        change(Operation.REMOVE, NO_DATA, who, share.name(), paths, "", () -> {
            quota.removing(share.name(), paths.at(0), () -> Inodes.stat(node), () -> {
                share.entries().remove(node);
                return null;
            });
            return null;
        }, NO_BYTES);
    }

    // ---------------------------------------------------------------- extended attributes

    public byte[] xattrGet(Subject who, LocalShare share, Node node, String name) throws P9Exception {
        return inspect(Operation.XATTR_GET, who, share.name(), () -> List.of(path(share, node)), name, () -> {
            GuestXattrs.checkReadable(name);
            return Xattrs.get(node, name);
        }, v -> v.length);
    }

    public byte[] xattrList(Subject who, LocalShare share, Node node) throws P9Exception {
        return inspect(Operation.XATTR_LIST, who, share.name(), () -> List.of(path(share, node)), "",
                () -> GuestXattrs.listed(Xattrs.list(node)), v -> v.length);
    }

    /** Txattrcreate: decides whether the value may be written; the backend is touched at commit. */
    public PendingXattr xattrCreate(Subject who, LocalShare share, Node node, String name, long size, int flags)
            throws P9Exception {
        return inspect(Operation.XATTR_CREATE, who, share.name(), () -> List.of(path(share, node)), name, () -> {
            if (size < 0 || size > Xattrs.MAX_VALUE) {
                throw new P9Exception(Errno.E2BIG, "xattr value of " + size + " bytes");
            }
            GuestXattrs.checkWritable(name);
            if ((flags & ~(Xattrs.XATTR_CREATE | Xattrs.XATTR_REPLACE)) != 0 || name.isEmpty()) {
                throw new P9Exception(Errno.EINVAL, "xattr flags 0x" + Integer.toHexString(flags));
            }
            return new PendingXattr(name, (int) size, flags);
        }, NO_BYTES);
    }

    /** Twrite on a Txattrcreate fid: fills the pending value. */
    public int writeXattr(Subject who, LocalShare share, Node node, PendingXattr pending, long offset,
                          ByteBuffer data) throws P9Exception {
        return change(Operation.WRITE, data.remaining(), who, share.name(), () -> List.of(path(share, node)), "xattr " + pending.name(),
                () -> pending.write(offset, data), n -> n);
    }

    /** Tread on a Txattrwalk fid: a slice of the value (or name list) fetched at walk time. */
    public ByteBuf readXattr(Subject who, LocalShare share, Node node, String name, byte[] value, long offset,
                             int count) throws P9Exception {
        return inspect(Operation.READ, who, share.name(), () -> List.of(path(share, node)), "xattr " + name, () -> {
            if (offset < 0 || offset > value.length) {
                throw new P9Exception(Errno.EINVAL, "xattr read offset " + offset);
            }
            int n = (int) Math.min(count, value.length - offset);
            return Unpooled.copiedBuffer(value, (int) offset, n);
        }, ByteBuf::readableBytes);
    }

    /** Clunk of a Txattrcreate fid: sets (or, for an empty value, removes) the attribute. */
    public void commitXattr(Subject who, LocalShare share, Node node, PendingXattr pending) throws P9Exception {
        change(Operation.XATTR_COMMIT, NO_DATA, who, share.name(), () -> List.of(path(share, node)), pending.name(), () -> {
            byte[] value = pending.value();
            if (value.length == 0) {
                Xattrs.remove(node, pending.name());
            } else {
                Xattrs.set(node, pending.name(), value, pending.flags());
            }
            return null;
        }, NO_BYTES);
    }

    // ---------------------------------------------------------------- locks

    public int lock(Subject who, LocalShare share, Node node, LockTable table, LockTable.Owner owner, int type,
                    long start, long length) throws P9Exception {
        return change(Operation.LOCK, NO_DATA, who, share.name(), () -> List.of(path(share, node)),
                lockDetail(type, start, length), () -> {
                    LockTable.checkType(type);
                    return table.lock(node.key(), owner, type, start, length);
                }, NO_BYTES);
    }

    public Optional<LockTable.Range> getlock(Subject who, LocalShare share, Node node, LockTable table,
                                             LockTable.Owner owner, int type, long start, long length)
            throws P9Exception {
        return inspect(Operation.GETLOCK, who, share.name(), () -> List.of(path(share, node)),
                lockDetail(type, start, length), () -> {
                    LockTable.checkType(type);
                    return table.test(node.key(), owner, type, start, length);
                }, NO_BYTES);
    }

    // ---------------------------------------------------------------- helpers

    private static String path(LocalShare share, Node node) throws P9Exception {
        return share.root().relativePath(node);
    }

    static String child(String dir, String name) {
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    static Qid qid(LocalShare share, Node node) throws P9Exception {
        return share.root().qids().qid(Inodes.stat(node));
    }

    /** Creates an entry (one inode of quota), gives it to the guest user (see {@link Ownership}); its qid. */
    private Qid made(LocalShare share, QuotaAccounting.Call<String> pathOf, QuotaAccounting.Call<Node> create,
                     int uid, int gid, int mode) throws P9Exception {
        try (Node node = quota.creating(share.name(), pathOf, create)) {
            ownership.created(node, uid, gid, mode);
            return qid(share, node);
        }
    }

    private static String flags(int hostFlags) {
        return "flags=0x" + Integer.toHexString(hostFlags);
    }

    private static String lockDetail(int type, long start, long length) {
        return "type=" + type + " start=" + start + " length=" + length;
    }
}
