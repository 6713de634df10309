package io.p9gate.gateway.fs;

import static io.p9gate.gateway.fs.ChokePoint.NO_BYTES;
import static io.p9gate.gateway.fs.ChokePoint.NO_DATA;
import static io.p9gate.gateway.fs.ChokePoint.moving;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.backend.Entries;
import io.p9gate.gateway.backend.FileStat;
import io.p9gate.gateway.backend.FileType;
import io.p9gate.gateway.backend.Inodes;
import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.LockTable;
import io.p9gate.gateway.backend.MappedSpecialFile;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.backend.ShareRoot;
import io.p9gate.gateway.backend.Xattrs;
import io.p9gate.gateway.budget.OverBudget;
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
import java.util.List;
import java.util.Optional;

/**
 * The guest's requests over the backend, one method each (R-POL-2): each names what is asked (operation,
 * share-relative paths, typed arguments) and what the backend does, and hands both to the {@link ChokePoint},
 * which decides, records and only then lets the backend call run. The operations layer reaches the backend by no
 * other route (docs/architecture.md, enforced by GatewayArchitectureTest).
 */
public final class GuardedFs extends GuardedRequests {

    private static final int SYMLINK_MODE = 0777;

    private final PrePolicyRefusals refusals;
    private final GuardedSession session;
    private final GuardedLookups lookups;
    private final GuardedOpens opens;
    private final GuardedIo io;
    private final GuardedListings listings;

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
        this(GuardContext.of(vm, sessionId, policy, audit, ownership, quotas, safety), new VisibleEntries(vm, policy));
    }

    private GuardedFs(GuardContext context, VisibleEntries visible) {
        super(context);
        this.refusals = new PrePolicyRefusals(context);
        this.session = new GuardedSession(context);
        this.lookups = new GuardedLookups(context);
        this.opens = new GuardedOpens(context);
        this.io = new GuardedIo(context);
        this.listings = new GuardedListings(context, visible, DirCookies.forVm(context.vm()));
    }

    public P9Exception overBudget(Operation op, Subject who, FileHandle at, RequestArgs args, OverBudget refusal) {
        return refusals.overBudget(op, who, at, args, refusal);
    }

    public P9Exception overBudget(Operation op, Subject who, String aname, OverBudget refusal) {
        return refusals.overBudget(op, who, aname, refusal);
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
                    if (w.handle() != null) {
                        w.handle().close();
                    }
                }
                case Attached a -> a.root().close();
                case Opened o -> o.file().close();
                case Created c -> {
                    c.handle().close();
                    c.file().close();
                }
                case XattrSlice x -> x.data().release();
                case Value v -> v.held().release();
                case Pending p -> p.xattr().release(); // charged to the VM's xattr-bytes budget, not only heap
                case Described _,
                        Count _,
                        LinkText _,
                        Listing _,
                        DescribedListing _,
                        Made _,
                        Stats _,
                        Conflict _,
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
    public record Walked(List<Qid> qids, FileHandle handle, Errno stopped) implements Result {}

    /** Tattach: a handle on the root of the share the aname named. */
    public record Attached(FileHandle root, Qid qid) implements Result {}

    public record Opened(OpenHandle file, Qid qid) implements Result {}

    /**
     * The fid a Tlopen, Topen or Tlcreate will open, a Txattrcreate will turn into a value being written, or a Twalk
     * or Txattrwalk with newfid == fid will replace, claimed as the last step of its guarded call: a claim that fails
     * (EBADF, the fid was clunked meanwhile) is the request's outcome, and its record's, so the log never says a
     * request succeeded that the guest was told failed. The fid becomes the open file only after the record is
     * written (an open for writing's must be on disk before any write goes through it); a walk's result likewise. A
     * clunk of a claimed fid waits for that (ops.Fids.Held), so it is recorded after the request it follows.
     */
    public interface Claim {
        void claim() throws P9Exception;

        /** Gives the fid back as it was, if it was claimed, when the request failed after the claim (its record). */
        default void undo() {}
    }

    /** No fid to claim (the ops layer holds a new fid's number itself, ops.Fids.claim). */
    public static final Claim NO_CLAIM = () -> {};

    public record Created(FileHandle handle, OpenHandle file, Qid qid) implements Result {}

    /** Tgetattr: the attributes as the guest sees them. */
    public record Described(Attr attr) implements Result {}

    /**
     * One entry of a 9P2000/.u directory read: its name and what getattr would show of it (guest ids, mapped
     * devices' modes), and the host cookie that continues the listing after it.
     */
    public record ListedEntry(String name, Attr attr, long cookie) {}

    /** The entries of a 9P2000/.u directory read. */
    record DescribedListing(List<ListedEntry> entries) implements Result {}

    /** Bytes read or written, or a lock status. */
    record Count(int n) implements Result {}

    /** An xattr value or name list, fetched for a Txattrwalk. */
    record Value(HeldXattr held) implements Result {}

    /** A slice of an xattr value for Tread: a buffer to release. */
    record XattrSlice(ByteBuf data) implements Result {}

    record LinkText(String target) implements Result {}

    record Listing(List<DirEntry> entries) implements Result {}

    /** The qid of a new directory, symlink or node. */
    record Made(Qid qid) implements Result {}

    record Stats(StatFs stats) implements Result {}

    /** Tgetlock: a lock that conflicts with the one asked about, if any. */
    public record HeldLock(int type, long start, long length, int procId, String clientId) {}

    record Conflict(Optional<HeldLock> range) implements Result {}

    record Pending(PendingXattr xattr) implements Result {}

    /** Nothing to return. */
    record Done() implements Result {}

    // ---------------------------------------------------------------- session

    public void auth(Subject who, String aname) throws P9Exception {
        session.auth(who, aname);
    }

    public Attached attach(Subject who, String aname, SessionShares shares) throws P9Exception {
        return session.attach(who, aname, shares);
    }

    public void clunk(Subject who, FileHandle handle) throws P9Exception {
        session.clunk(who, handle);
    }

    // ---------------------------------------------------------------- lookup and metadata

    public Walked walk(Subject who, FileHandle handle, List<String> names, Claim claim) throws P9Exception {
        return lookups.walk(who, handle, names, claim);
    }

    public Described getattr(Subject who, FileHandle handle) throws P9Exception {
        return lookups.getattr(who, handle);
    }

    public void setattr(Subject who, FileHandle handle, SetAttr attr) throws P9Exception {
        lookups.setattr(who, handle, attr);
    }

    public void requireSettable(Subject who, FileHandle handle, SetAttr attr) throws P9Exception {
        lookups.requireSettable(who, handle, attr);
    }

    public StatFs statfs(Subject who, FileHandle handle) throws P9Exception {
        return lookups.statfs(who, handle);
    }

    public String readlink(Subject who, FileHandle handle, int maxTargetBytes) throws P9Exception {
        return lookups.readlink(who, handle, maxTargetBytes);
    }

    // ---------------------------------------------------------------- open, read, write

    public Opened open(Subject who, FileHandle handle, int hostFlags, boolean directoryOnly, Claim claim)
            throws P9Exception {
        return opens.open(who, handle, hostFlags, directoryOnly, claim);
    }

    public Opened open(
            Subject who, FileHandle handle, int hostFlags, boolean directoryOnly, boolean removeOnClunk, Claim claim)
            throws P9Exception {
        return opens.open(who, handle, hostFlags, directoryOnly, removeOnClunk, claim);
    }

    public Opened lopen(Subject who, FileHandle handle, int p9Flags, Claim claim) throws P9Exception {
        return opens.lopen(who, handle, p9Flags, claim);
    }

    public Created create(
            Subject who,
            FileHandle handle,
            String name,
            int hostFlags,
            int askedMode,
            int gid,
            boolean exclusive,
            Claim claim)
            throws P9Exception {
        return opens.create(who, handle, name, hostFlags, askedMode, gid, exclusive, claim);
    }

    /** What a create asks for; {@code removeOnClunk}: a Tcreate's ORCLOSE ({@link #removal}). */
    public record Creation(
            String name, int hostFlags, int askedMode, int gid, boolean exclusive, boolean removeOnClunk) {}

    public Created create(Subject who, FileHandle handle, Creation asked, Claim claim) throws P9Exception {
        return opens.create(who, handle, asked, claim);
    }

    public int read(Subject who, FileHandle handle, OpenHandle opened, long offset, ByteBuffer dst) throws P9Exception {
        return io.read(who, handle, opened, offset, dst);
    }

    public int write(Subject who, FileHandle handle, OpenHandle opened, long offset, ByteBuffer src)
            throws P9Exception {
        return io.write(who, handle, opened, offset, src);
    }

    public void fsync(Subject who, FileHandle handle, OpenHandle opened, boolean dataOnly) throws P9Exception {
        io.fsync(who, handle, opened, dataOnly);
    }

    public List<DirEntry> readdir(Subject who, FileHandle handle, OpenHandle opened, long offset, int count)
            throws P9Exception {
        return listings.readdir(who, handle, opened, offset, count);
    }

    public List<ListedEntry> readdirDescribed(Subject who, FileHandle handle, OpenHandle opened, long cookie, int count)
            throws P9Exception {
        return listings.readdirDescribed(who, handle, opened, cookie, count);
    }

    // ---------------------------------------------------------------- directory entries

    public Qid mkdir(Subject who, FileHandle handle, String name, int askedMode, int gid) throws P9Exception {
        LocalShare share = handle.share();
        Node dir = handle.node();
        int mode = GuestModes.allowed(true, askedMode);
        RequestPaths paths = RequestPaths.of(() -> List.of(childOf(handle, name)));
        RequestArgs args = new RequestArgs.Make(name, mode, true, 0, 0);
        requireOwnable(Operation.MKDIR, who, share, paths, args, creating(who, gid));
        return making(
                Operation.MKDIR,
                who,
                share,
                paths,
                args,
                true,
                finish -> share.entries().mkdir(dir, name, mode, finish),
                gid,
                mode);
    }

    public Created mkdirOpened(
            Subject who,
            FileHandle handle,
            String name,
            int askedMode,
            int gid,
            int hostFlags,
            boolean removeOnClunk,
            Claim claim)
            throws P9Exception {
        return opens.mkdirOpened(who, handle, name, askedMode, gid, hostFlags, removeOnClunk, claim);
    }

    public Qid symlink(Subject who, FileHandle handle, String name, String target, int gid) throws P9Exception {
        LocalShare share = handle.share();
        Node dir = handle.node();
        RequestPaths paths = RequestPaths.of(() -> List.of(childOf(handle, name)));
        RequestArgs args = new RequestArgs.Symlink(name, target);
        requireOwnable(Operation.SYMLINK, who, share, paths, args, creating(who, gid));
        return making(
                Operation.SYMLINK,
                who,
                share,
                paths,
                args,
                false,
                finish -> share.entries().symlink(dir, name, target, finish),
                gid,
                SYMLINK_MODE);
    }

    /**
     * Regular files are made as asked. A character or block device never becomes a host device node (R-CONF-2):
     * refused with EPERM, or in a {@code devices: mapped} share stored as an inert {@link MappedSpecialFile} that
     * the guest sees as its device. Such a share maps fifos and sockets too (no host reader can block on a fifo a
     * guest planted, and the guest keeps the set-id bits it gives them); elsewhere they are made as asked.
     */
    public Qid mknod(Subject who, FileHandle handle, String name, int askedMode, int major, int minor, int gid)
            throws P9Exception {
        LocalShare share = handle.share();
        Node dir = handle.node();
        int mode = GuestModes.allowed(false, askedMode); // mknod never makes a directory
        RequestPaths paths = RequestPaths.of(() -> List.of(childOf(handle, name)));
        RequestArgs args = new RequestArgs.Make(name, mode, false, major, minor);
        // Before the device refusal, as Linux's may_create comes before vfs_mknod's CAP_MKNOD check.
        requireOwnable(Operation.MKNOD, who, share, paths, args, creating(who, gid));
        Optional<MappedSpecialFile> special = MappedSpecialFile.requested(mode, major, minor, vm);
        ShareSafety.Settings settings = safety.of(share.name());
        if (special.isPresent() && settings.mapsDevices()) {
            Making mapped = finish -> share.entries().mknodMapped(dir, name, special.get(), finish);
            return making(Operation.MKNOD, who, share, paths, args, false, mapped, gid, MappedSpecialFile.HOST_PERMS);
        }
        if (special.isPresent() && special.get().type().isDevice()) {
            throw guard.refusedByShare(
                    Operation.MKNOD, who, share.name(), paths, args, Errno.EPERM, settings.devicesRule());
        }
        return making(
                Operation.MKNOD,
                who,
                share,
                paths,
                args,
                false,
                finish -> share.entries().mknod(dir, name, mode, major, minor, finish),
                gid,
                mode);
    }

    /**
     * The group a create naming none gives its file and acts as (9P2000 and 9P2000.u; create(5): the directory's,
     * {@code dirGid} as the guest sees it). Where the share enforces host permissions the create acts on the host as
     * its guest user and this group, so the directory's would let a user outside it create where only that group may
     * write; there it is the request's own ({@code who}'s, guest 65534 as for every request naming none), or the
     * directory's where that is set-gid, the group the Linux client's 9P2000.L create names then. No request of its
     * own: the caller's getattr of the directory was decided.
     */
    public int groupOfUnnamedCreate(Subject who, FileHandle dir, int dirGid, int dirMode) {
        boolean setGid = (dirMode & 02000) != 0;
        return safety.of(dir.share().name()).enforcesPermissions() && !setGid ? who.gid() : dirGid;
    }

    public P9Exception refusedExtension(Subject who, FileHandle dir, Operation op, String name, String extension)
            throws P9Exception {
        return refusals.refusedExtension(who, dir, op, name, extension);
    }

    public P9Exception refusedOpenFid(Subject who, FileHandle fid, Operation op, String name) throws P9Exception {
        return refusals.refusedOpenFid(who, fid, op, name);
    }

    public P9Exception refusedReopen(Subject who, FileHandle fid, int hostFlags) throws P9Exception {
        return refusals.refusedReopen(who, fid, hostFlags);
    }

    public P9Exception refusedCreateOfDirectory(Subject who, FileHandle dir, String name, int p9Flags)
            throws P9Exception {
        return refusals.refusedCreateOfDirectory(who, dir, name, p9Flags);
    }

    public P9Exception refusedUnlinkFlags(Subject who, FileHandle dir, String name, int flags, boolean directory)
            throws P9Exception {
        return refusals.refusedUnlinkFlags(who, dir, name, flags, directory);
    }

    public P9Exception refusedXattrCreateOnOpenFid(Subject who, FileHandle fid, String name) throws P9Exception {
        return refusals.refusedXattrCreateOnOpenFid(who, fid, name);
    }

    public P9Exception refusedDirectoryOpenMode(Subject who, FileHandle dir, String name, int mode) throws P9Exception {
        return refusals.refusedDirectoryOpenMode(who, dir, name, mode);
    }

    public P9Exception refusedFileType(Subject who, FileHandle dir, Operation op, String name, int perm)
            throws P9Exception {
        return refusals.refusedFileType(who, dir, op, name, perm);
    }

    public P9Exception refusedTypeChange(Subject who, FileHandle handle, int mode) throws P9Exception {
        return refusals.refusedTypeChange(who, handle, mode);
    }

    public P9Exception refusedOwnerName(Subject who, FileHandle handle, String field, String name) throws P9Exception {
        return refusals.refusedOwnerName(who, handle, field, name);
    }

    /** Tlink: {@code linked} gets the new name {@code name} in the directory {@code handle}. */
    public void link(Subject who, FileHandle handle, FileHandle linked, String name) throws P9Exception {
        RequestArgs args = new RequestArgs.EntryNames(List.of(name));
        requireOneShare(Operation.LINK, who, linked, () -> hostPath(linked), handle, () -> childOf(handle, name), args);
        LocalShare share = handle.share();
        Node dir = handle.node();
        Node target = linked.node();
        RequestPaths paths = RequestPaths.of(() -> List.of(hostPath(share, target), child(hostPath(share, dir), name)));
        changeIn(Operation.LINK, who, share, paths, args, () -> {
            quota.linking(share, target, paths.at(1), () -> {
                share.entries().link(target, dir, name);
                return null;
            });
            return DONE;
        });
    }

    /** Trename: the file {@code handle} becomes {@code newName} in the directory {@code newDirHandle}. */
    public void rename(Subject who, FileHandle handle, FileHandle newDirHandle, String newName) throws P9Exception {
        rename(who, handle, newDirHandle, newName, true);
    }

    /** {@code mayReplace}: false for a 9P2000 Twstat, which may replace nothing whatever the policy allows. */
    private void rename(Subject who, FileHandle handle, FileHandle newDirHandle, String newName, boolean mayReplace)
            throws P9Exception {
        RequestArgs args =
                new RequestArgs.EntryNames(List.of(newName), handle.node().isDirectory());
        requireOneShare(
                Operation.RENAME,
                who,
                handle,
                () -> hostPath(handle),
                newDirHandle,
                () -> childOf(newDirHandle, newName),
                args);
        LocalShare share = handle.share();
        Node node = handle.node();
        Node newDir = newDirHandle.node();
        RequestPaths paths =
                RequestPaths.of(() -> List.of(hostPath(share, node), child(hostPath(share, newDir), newName)));
        renameEntry(
                who,
                share,
                paths,
                args,
                QuotaAccounting.held(share, node),
                QuotaAccounting.named(newDir, newName, paths.at(1)),
                // At the path decided on: the file may have been moved (into a hidden subtree, say) since.
                replace ->
                        share.entries().rename(node, paths.get().getFirst(), newDir, newName, replace && mayReplace));
    }

    /**
     * Twstat's new name (stat(5)): {@code handle} becomes {@code newName} in the directory that holds it now, a
     * Trename to that directory, decided and recorded as RENAME on the file's path and the new name beside it (as
     * Trename, a handle that cannot be placed in the share is refused by confinement and recorded). The directory is
     * looked up at the decided path once the rename is allowed, never before: it is no request of its own. The
     * share root is its own directory, as in any 9P tree (".." of the root is the root): renaming it is decided and
     * recorded as a Trename of the root into the root, and, allowed, answered by the host's EBUSY. Without {@code mayReplace} (9P2000: stat(5) makes a name that
     * already exists an error, as Plan 9's servers answer) an existing name is EEXIST from the host's
     * RENAME_NOREPLACE, nothing changes and the rename's record carries that outcome, whatever the policy allows. The
     * file's own name is decided as any other (whether a name is the file's own must not show before the decision:
     * a guess at the name of a file the host renamed) and, allowed, changes nothing.
     */
    public void renameInPlace(Subject who, FileHandle handle, String newName, boolean mayReplace) throws P9Exception {
        if (isShareRoot(handle)) {
            rename(who, handle, handle, newName, mayReplace);
            return;
        }
        LocalShare share = handle.share();
        Node node = handle.node();
        RequestArgs args = new RequestArgs.EntryNames(List.of(newName), node.isDirectory());
        // The new name is beside the path the rename is decided on; the directory holding the file is looked up there
        // only once that path is allowed. Looked up first, a file the host moved out of the share (or one known by a
        // removed name) was answered the lookup's errno with no record, and one moved under a hidden subtree was
        // looked up there before the policy was asked.
        RequestPaths paths = RequestPaths.of(() -> {
            String from = hostPath(share, node);
            return List.of(from, child(entryPath(from, ".."), newName));
        });
        renameDecided(who, share, paths, args, replaces -> {
            List<String> decided = paths.get();
            if (decided.getFirst().equals(decided.get(1))) {
                return; // the file's own name, decided as any other: nothing changes (stat(5))
            }
            try (ShareRoot.Location at = share.root().locate(node, decided.getFirst())) {
                Node dir = at.parent();
                quota.moving(
                        share.name(),
                        QuotaAccounting.held(share, node),
                        QuotaAccounting.named(dir, newName, paths.at(1)),
                        replaces,
                        replace -> share.entries()
                                .renameAt(dir, at.name(), dir, newName, replace && mayReplace, node.isDirectory()));
            }
        });
    }

    /** Whether {@code handle} is its share's root (no system call: the guest walked there, it knows). */
    public boolean isShareRoot(FileHandle handle) {
        return handle.share().root().isRoot(handle.node());
    }

    /**
     * The file's last path element as the host names it now, "/" for the share root (as Plan 9 servers name the root
     * in stat(5)). No request of its own: the caller's request (Tstat's getattr, Twstat) is decided and recorded.
     */
    public String name(FileHandle handle) throws P9Exception {
        // As the host names it now: a Twstat compares its new name with it, and a host-side rename since the walk
        // must not turn a real rename into a no-op.
        String path = hostPath(handle);
        return path.isEmpty() ? "/" : path.substring(path.lastIndexOf('/') + 1);
    }

    /** Trenameat: {@code oldName} in the directory {@code oldDirHandle} becomes {@code newName} in {@code newDirHandle}. */
    public void renameat(Subject who, FileHandle oldDirHandle, String oldName, FileHandle newDirHandle, String newName)
            throws P9Exception {
        // Decided as a directory's rename if one is there now; the backend renames no directory put there later.
        boolean directory = isEntryName(oldName) && isDirectoryAt(oldDirHandle.node(), oldName);
        RequestArgs args = new RequestArgs.EntryNames(List.of(oldName, newName), directory);
        requireOneShare(
                Operation.RENAME,
                who,
                oldDirHandle,
                () -> childOf(oldDirHandle, oldName),
                newDirHandle,
                () -> child(path(newDirHandle.share(), newDirHandle.node()), newName),
                args);
        LocalShare share = oldDirHandle.share();
        Node oldDir = oldDirHandle.node();
        Node newDir = newDirHandle.node();
        RequestPaths paths = RequestPaths.of(
                () -> List.of(child(hostPath(share, oldDir), oldName), child(hostPath(share, newDir), newName)));
        renameEntry(
                who,
                share,
                paths,
                args,
                QuotaAccounting.named(oldDir, oldName, paths.at(0)),
                QuotaAccounting.named(newDir, newName, paths.at(1)),
                replace -> share.entries().renameAt(oldDir, oldName, newDir, newName, replace, directory));
    }

    /** A rename as the backend does it: {@code replace} says whether it may replace what has the new name. */
    @FunctionalInterface
    private interface Renaming {
        void rename(boolean replace) throws P9Exception;
    }

    /**
     * Trename and Trenameat once their share is checked: decided and recorded as RENAME on {@code paths} (source,
     * then destination), accounted as {@code moved} going to {@code target}'s name.
     */
    private void renameEntry(
            Subject who,
            LocalShare share,
            RequestPaths paths,
            RequestArgs args,
            QuotaAccounting.Entry moved,
            QuotaAccounting.Entry target,
            Renaming renaming)
            throws P9Exception {
        renameDecided(
                who,
                share,
                paths,
                args,
                replaces -> quota.moving(share.name(), moved, target, replaces, renaming::rename));
    }

    /**
     * A rename decided and recorded as RENAME on {@code paths} (source, then destination), then {@code renaming}
     * handed whether the policy lets it replace what has the new name.
     */
    private void renameDecided(Subject who, LocalShare share, RequestPaths paths, RequestArgs args, Renaming renaming)
            throws P9Exception {
        // Renaming onto a name removes the file that had it, so only where it could be removed (a deny of REMOVE on
        // /crash/** must keep `mv junk /crash/report` from destroying the report): the decision says so, answered by
        // the policy that allowed the rename (a reload meanwhile does not reach it).
        guard.changeDecided(
                Operation.RENAME,
                who,
                share.name(),
                paths,
                args,
                decision -> {
                    renaming.rename(decision.replaces());
                    return DONE;
                },
                NO_BYTES);
    }

    public void unlinkat(Subject who, FileHandle handle, String name, boolean directory) throws P9Exception {
        LocalShare share = handle.share();
        Node dir = handle.node();
        RequestPaths paths = RequestPaths.of(() -> List.of(childOf(handle, name)));
        RequestArgs.Unlink args = new RequestArgs.Unlink(name, directory);
        if (directory && isEntryName(name)) { // else refused as the name it is, by the guarded call
            refuseHoldingHidden(who, share, paths, args, () -> Inodes.statAt(dir, name));
        }
        changeIn(Operation.REMOVE, who, share, paths, args, () -> {
            quota.removing(
                    share.name(),
                    QuotaAccounting.named(dir, name, paths.at(0)),
                    looked -> share.entries().unlinkAt(dir, name, directory, looked));
            return DONE;
        });
    }

    public void remove(Subject who, FileHandle handle) throws P9Exception {
        remove(who, handle, RequestArgs.NONE);
    }

    /**
     * Tremove through a Txattrcreate fid: the file is removed as by any Tremove, one decision, and the value being
     * written is not set, allowed or not (setting it would be a second decision for one request; the file it was
     * for goes). The record names the value dropped.
     */
    public void removeDropping(Subject who, FileHandle handle, PendingXattr dropped) throws P9Exception {
        remove(who, handle, new RequestArgs.RemoveDroppingXattr(dropped.name()));
    }

    private void remove(Subject who, FileHandle handle, RequestArgs args) throws P9Exception {
        LocalShare share = handle.share();
        Node node = handle.node();
        RequestPaths paths = RequestPaths.of(() -> List.of(hostPath(share, node)));
        refuseHoldingHidden(who, share, paths, args, () -> Inodes.stat(node));
        changeIn(Operation.REMOVE, who, share, paths, args, () -> {
            // At the path decided on, as rename.
            quota.removing(
                    share.name(),
                    QuotaAccounting.held(share, node),
                    looked -> share.entries().remove(node, paths.get().getFirst(), looked));
            return DONE;
        });
    }

    /** The host's stat of what an rmdir would remove. */
    @FunctionalInterface
    private interface Target {
        FileStat stat() throws P9Exception;
    }

    /**
     * An rmdir (or Tremove) of a directory that directly holds a name the policy hides from the guest is refused,
     * ENOTEMPTY, whether or not the host has anything under that name: the directory looks empty to the guest, and
     * an rmdir that failed only where a hidden entry exists told that it does (R-POL-4). Recorded by the rule
     * {@link HiddenEntries#RULE}, after the policy's own refusal (which comes first). A name that is missing, or
     * not a directory, is left to the host to answer, as for any other; so is a path the request cannot name.
     */
    private void refuseHoldingHidden(Subject who, LocalShare share, RequestPaths paths, RequestArgs args, Target target)
            throws P9Exception {
        String path;
        try {
            path = paths.get().getFirst();
        } catch (P9Exception unnamed) {
            return; // the guarded call refuses it, recorded
        }
        if (hidden.in(who, share.name(), path).isEmpty()) {
            return;
        }
        try {
            if (target.stat().type() != FileType.DIRECTORY) {
                return;
            }
        } catch (P9Exception notThere) {
            return;
        }
        throw guard.refusedByShare(
                Operation.REMOVE, who, share.name(), paths, args, Errno.ENOTEMPTY, HiddenEntries.RULE);
    }

    /** Whether {@code name} in {@code dir} is a directory; false where it cannot be looked at (the call says why). */
    private static boolean isDirectoryAt(Node dir, String name) {
        try {
            return Inodes.statAt(dir, name).type() == FileType.DIRECTORY;
        } catch (P9Exception unreadable) {
            return false;
        }
    }

    // ---------------------------------------------------------------- extended attributes

    /**
     * Txattrwalk of a name: the value, charged to the VM's xattr-bytes budget until {@link HeldXattr#release}.
     * {@code claim}: the fid it replaces (newfid == fid), as for {@link #walk}.
     */
    public HeldXattr xattrGet(Subject who, FileHandle handle, String name, Claim claim) throws P9Exception {
        Node node = handle.node();
        return claiming(
                        claim,
                        () -> inspectAt(
                                Operation.XATTR_GET,
                                who,
                                handle,
                                new RequestArgs.Xattr(name),
                                () -> {
                                    GuestXattrs.checkName(name);
                                    GuestXattrs.checkReadable(name);
                                    GuestXattrs.checkHolder(node, false);
                                    return claimed(new Value(HeldXattr.charged(Xattrs.get(node, name))), claim);
                                },
                                moving(v -> v.held().bytes().length)))
                .held();
    }

    /** Txattrwalk of "": the names, charged as {@link #xattrGet}'s value is. */
    public HeldXattr xattrList(Subject who, FileHandle handle, Claim claim) throws P9Exception {
        Node node = handle.node();
        return claiming(
                        claim,
                        () -> inspectAt(
                                Operation.XATTR_LIST,
                                who,
                                handle,
                                RequestArgs.NONE,
                                () -> claimed(new Value(HeldXattr.charged(GuestXattrs.listed(node))), claim),
                                moving(v -> v.held().bytes().length)))
                .held();
    }

    /** A fetched xattr value, once {@code claim} is taken (else released: nothing holds it). */
    private static Value claimed(Value value, Claim claim) throws P9Exception {
        try {
            claim.claim();
            return value;
        } catch (P9Exception | RuntimeException e) {
            value.held().release();
            throw e;
        }
    }

    /**
     * Txattrcreate: decides whether the value may be written; the backend is touched at commit. {@code claim}: the
     * fid that becomes the value being written, claimed as for {@link #open}.
     */
    public PendingXattr xattrCreate(Subject who, FileHandle handle, String name, long size, int flags, Claim claim)
            throws P9Exception {
        return claiming(
                        claim,
                        () -> guard.inspect(
                                Operation.XATTR_CREATE,
                                who,
                                handle.share().name(),
                                () -> List.of(hostPath(handle)),
                                new RequestArgs.Xattr(name),
                                () -> {
                                    // In setxattr(2)'s order: flags, name, size, then what the name may do.
                                    if ((flags & ~(Xattrs.XATTR_CREATE | Xattrs.XATTR_REPLACE)) != 0) {
                                        throw new P9Exception(
                                                Errno.EINVAL, "xattr flags 0x" + Integer.toHexString(flags));
                                    }
                                    GuestXattrs.checkName(name);
                                    if (size < 0 || size > Xattrs.MAX_VALUE) {
                                        throw new P9Exception(Errno.E2BIG, "xattr value of " + size + " bytes");
                                    }
                                    GuestXattrs.checkWritable(name);
                                    GuestXattrs.checkHolder(handle.node(), true);
                                    Pending pending = new Pending(new PendingXattr(name, (int) size, flags));
                                    try {
                                        claim.claim();
                                    } catch (P9Exception | RuntimeException e) {
                                        pending.xattr().release();
                                        throw e;
                                    }
                                    return pending;
                                },
                                NO_BYTES))
                .xattr();
    }

    /** Twrite on a Txattrcreate fid: fills the pending value. */
    public int writeXattr(Subject who, FileHandle handle, PendingXattr pending, long offset, ByteBuffer data)
            throws P9Exception {
        return guard.change(
                        Operation.WRITE,
                        data.remaining(),
                        who,
                        handle.share().name(),
                        () -> List.of(path(handle.share(), handle.node())),
                        new RequestArgs.XattrIo(pending.name(), offset),
                        () -> new Count(pending.write(offset, data)),
                        moving(Count::n))
                .n();
    }

    /** Tread on a Txattrwalk fid: a slice of the value (or name list) fetched at walk time. */
    public ByteBuf readXattr(Subject who, FileHandle handle, String name, byte[] value, long offset, int count)
            throws P9Exception {
        return inspectAt(
                        Operation.READ,
                        who,
                        handle,
                        new RequestArgs.XattrIo(name, offset),
                        () -> {
                            if (offset < 0 || offset > value.length) {
                                throw new P9Exception(Errno.EINVAL, "xattr read offset " + offset);
                            }
                            int n = (int) Math.min(count, value.length - offset);
                            return new XattrSlice(Unpooled.copiedBuffer(value, (int) offset, n));
                        },
                        moving(x -> x.data().readableBytes()))
                .data();
    }

    /** Clunk of a Txattrcreate fid: sets (or, for an empty value, removes) the attribute. */
    public void commitXattr(Subject who, FileHandle handle, PendingXattr pending) throws P9Exception {
        LocalShare share = handle.share();
        Node node = handle.node();
        changeIn(
                Operation.XATTR_COMMIT,
                who,
                share,
                () -> List.of(hostPath(share, node)),
                new RequestArgs.Xattr(pending.name(), pending.size()),
                () -> {
                    byte[] value = pending.value();
                    if (value.length == 0) {
                        Xattrs.remove(node, pending.name());
                    } else {
                        quota.settingXattr(share, node, pending.name(), value.length, () -> {
                            Xattrs.set(node, pending.name(), value, pending.flags());
                            return DONE;
                        });
                    }
                    return DONE;
                });
    }

    // ---------------------------------------------------------------- locks

    /** {@code lockedThrough}: the owners of the fid the lock is taken through, which remember {@code owner}. */
    public int lock(
            Subject who,
            FileHandle handle,
            LockOwner owner,
            FidLockOwners lockedThrough,
            int type,
            long start,
            long length)
            throws P9Exception {
        LocalShare share = handle.share();
        Node node = handle.node();
        // A conflict is answered LOCK_BLOCKED (EAGAIN to the guest's program): the intent record must not stand alone.
        return guard.change(
                        Operation.LOCK,
                        NO_DATA,
                        who,
                        share.name(),
                        () -> List.of(path(share, node)),
                        new RequestArgs.Lock(type, start, length, owner.owner().clientId()),
                        () -> {
                            LockTable.checkType(type);
                            return new Count(lockedThrough.lock(
                                    owner,
                                    type,
                                    () -> owner.table().lock(node.key(), owner.owner(), type, start, length)));
                        },
                        status -> status.n() == LockConstants.LOCK_BLOCKED
                                ? Outcome.failure(Errno.EAGAIN)
                                : Outcome.success(NO_DATA))
                .n();
    }

    /**
     * After a reload: the file of {@code handle}, on which this session holds locks, decided as a Tlock through it
     * would be now ({@code args}: the release, an unlock of the whole file). Where the policy now refuses it,
     * {@code release} drops the session's locks there and the refusal is recorded with {@code released=reload}:
     * another VM sharing the file must not stay blocked by a lock its holder could no longer take.
     *
     * @return whether the locks were released
     */
    public boolean releaseLocksIfRefused(Subject who, FileHandle handle, RequestArgs.Lock args, Runnable release)
            throws P9Exception {
        LocalShare share = handle.share();
        return guard.takenBackIfRefused(
                Operation.LOCK,
                who,
                share.name(),
                () -> List.of(path(share, handle.node())),
                args,
                "released=reload",
                release);
    }

    public Optional<HeldLock> getlock(
            Subject who, FileHandle handle, LockOwner owner, int type, long start, long length) throws P9Exception {
        Node node = handle.node();
        return inspectAt(
                        Operation.GETLOCK,
                        who,
                        handle,
                        new RequestArgs.Lock(type, start, length, owner.owner().clientId()),
                        () -> {
                            LockTable.checkType(type);
                            return new Conflict(owner.table()
                                    .test(node.key(), owner.owner(), type, start, length)
                                    .map(r -> heldAsSeenBy(owner, r)));
                        },
                        NO_BYTES)
                .range();
    }

    /**
     * A conflicting lock as Tgetlock shows it to {@code asking}: the table is every session's, of every VM sharing the
     * file, so a lock of another session keeps its holder to itself (proc_id 0, no client_id, as NFS reports a
     * remote holder): its process id and client id (the Linux client sends the VM's hostname) are that VM's.
     */
    private static HeldLock heldAsSeenBy(LockOwner asking, LockTable.Range r) {
        boolean own = r.owner().sessionId() == asking.owner().sessionId();
        return new HeldLock(
                r.type(),
                r.start(),
                r.length(),
                own ? r.owner().procId() : 0,
                own ? r.owner().clientId() : "");
    }

    // ---------------------------------------------------------------- helpers

    /** The VM this session speaks for (its identity from the transport). */
    public String vm() {
        return vm;
    }

    static String child(String dir, String name) {
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    /**
     * The path of a listed entry of the directory at {@code dir}: "." is the directory, ".." its parent (the root's is
     * the root, as a lookup of it never leaves the share). As "dir/." the policy could not name them: the link count
     * shown for "." counted the hidden subdirectories that Tgetattr and Tstat leave out (R-POL-4).
     */
    static String entryPath(String dir, String name) {
        return switch (name) {
            case "." -> dir;
            case ".." -> dir.substring(0, Math.max(0, dir.lastIndexOf('/')));
            default -> child(dir, name);
        };
    }

    static Qid qid(LocalShare share, Node node) throws P9Exception {
        return share.root().qids().qid(Inodes.stat(node));
    }

    /** A backend call making an entry, which {@code finish} gives its owner before any guest can reach it. */
    @FunctionalInterface
    private interface Making {
        Node make(Entries.Finish finish) throws P9Exception;
    }

    /** Tmkdir, Tsymlink, Tmknod: the new entry at the request's path, given to the guest user; its qid. */
    private Qid making(
            Operation op,
            Subject who,
            LocalShare share,
            RequestPaths paths,
            RequestArgs args,
            boolean directory,
            Making create,
            int gid,
            int mode)
            throws P9Exception {
        return changeIn(
                        op,
                        who,
                        share,
                        paths,
                        args,
                        () -> made(share, paths.at(0), directory, create, who.uid(), gid, mode))
                .qid();
    }

    /** Creates an entry (one inode of quota), given to the guest user (see {@link Ownership}); its qid. */
    private Made made(
            LocalShare share,
            QuotaAccounting.Call<String> pathOf,
            boolean directory,
            Making create,
            int uid,
            int gid,
            int mode)
            throws P9Exception {
        try (Node node = quota.creating(share.name(), pathOf, directory, () -> create.make(givenTo(uid, gid, mode)))) {
            return new Made(qid(share, node));
        }
    }
}
