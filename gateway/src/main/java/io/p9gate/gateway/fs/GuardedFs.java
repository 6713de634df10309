package io.p9gate.gateway.fs;

import io.netty.buffer.ByteBuf;
import io.p9gate.gateway.backend.Inodes;
import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.budget.OverBudget;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.StatFs;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

/**
 * The guest's requests over the backend, one method each (R-POL-2), the only entry the operations layer has to them:
 * each hands the request to its group ({@link GuardedRequests}: sessions, lookups, opens, I/O, listings, entries,
 * renames, xattrs, locks, refusals before the policy), which names what is asked (operation, share-relative paths,
 * typed arguments) and what the backend does, and hands both to the one {@link ChokePoint} of the session, which
 * decides, records and only then lets the backend call run. The operations layer reaches the backend by no other
 * route (docs/architecture.md, enforced by GatewayArchitectureTest).
 */
public final class GuardedFs {
    private final String vm;
    private final PrePolicyRefusals refusals;
    private final GuardedSession session;
    private final GuardedLookups lookups;
    private final GuardedOpens opens;
    private final GuardedIo io;
    private final GuardedListings listings;
    private final GuardedEntries entries;
    private final GuardedRenames renames;
    private final GuardedXattrs xattrs;
    private final GuardedLocks locks;
    private final QuotaAccounting quota;

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

    /** Every group is given the one context: one choke point, one quota account for the session's requests. */
    private GuardedFs(GuardContext context, VisibleEntries visible) {
        this.vm = context.vm();
        this.refusals = new PrePolicyRefusals(context);
        this.session = new GuardedSession(context);
        this.lookups = new GuardedLookups(context);
        this.opens = new GuardedOpens(context);
        this.io = new GuardedIo(context);
        this.listings = new GuardedListings(context, visible, DirCookies.forVm(context.vm()));
        this.entries = new GuardedEntries(context);
        this.renames = new GuardedRenames(context);
        this.xattrs = new GuardedXattrs(context);
        this.locks = new GuardedLocks(context);
        this.quota = context.quota();
    }

    /**
     * Taken before a request that may change what this VM's quotas count starts, without waiting: its hold on them
     * ({@link Quotas#changingOrLater}), or null while a reload's scan holds such requests back, {@code later} (if not
     * null) then run once the scan ends.
     */
    public Quotas.Changing changingOrLater(Runnable later) {
        return quota.changingOrLater(later);
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
                case Described _, Count _, LinkText _, Listing _, DescribedListing _, Stats _, Conflict _, Done _ -> {
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

    /**
     * Tgetattr: the attributes as the guest sees them, and the share-relative path the request was decided and recorded on (a Tstat names
     * the file by it: asked again of the host after the record, a name the host removed meanwhile failed the reply
     * the record said was answered).
     */
    public record Described(Attr attr, String path) implements Result {}

    /**
     * One entry of a 9P2000/.u directory read: its name and what getattr would show of it (guest ids, mapped
     * devices' modes), and the host cookie that continues the listing after it.
     */
    public record ListedEntry(String name, Attr attr, long cookie) {}

    /** What a create asks for; {@code removeOnClunk}: a Tcreate's ORCLOSE ({@link GuardedOpens#removal}). */
    public record Creation(
            String name, int hostFlags, int askedMode, int gid, boolean exclusive, boolean removeOnClunk) {}

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

    record Stats(StatFs stats) implements Result {}

    /** Tgetlock: a lock that conflicts with the one asked about, if any. */
    public record HeldLock(int type, long start, long length, int procId, String clientId) {}

    record Conflict(Optional<HeldLock> range) implements Result {}

    record Pending(PendingXattr xattr) implements Result {}

    /** Nothing to return. */
    record Done() implements Result {}

    // ---------------------------------------------------------------- refused before the policy: PrePolicyRefusals

    public P9Exception overBudget(Operation op, Subject who, FileHandle at, RequestArgs args, OverBudget refusal) {
        return refusals.overBudget(op, who, at, args, refusal);
    }

    public P9Exception overBudget(Operation op, Subject who, String aname, OverBudget refusal) {
        return refusals.overBudget(op, who, aname, refusal);
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

    public P9Exception refusedDirectoryOffset(Subject who, FileHandle dir, long offset) throws P9Exception {
        return refusals.refusedDirectoryOffset(who, dir, offset);
    }

    public P9Exception refusedCreateOfDirectory(Subject who, FileHandle dir, String name, int p9Flags)
            throws P9Exception {
        return refusals.refusedCreateOfDirectory(who, dir, name, p9Flags);
    }

    public P9Exception refusedUnlinkFlags(Subject who, FileHandle dir, String name, int flags, boolean directory)
            throws P9Exception {
        return refusals.refusedUnlinkFlags(who, dir, name, flags, directory);
    }

    public P9Exception refusedXattrCreateOnOpenFid(Subject who, FileHandle fid, String name, long size, int flags)
            throws P9Exception {
        return refusals.refusedXattrCreateOnOpenFid(who, fid, name, size, flags);
    }

    public P9Exception refusedDirectoryOpenMode(Subject who, FileHandle dir, String name, int mode) throws P9Exception {
        return refusals.refusedDirectoryOpenMode(who, dir, name, mode);
    }

    public P9Exception refusedSpecialOpenMode(Subject who, FileHandle dir, Operation op, String name, int mode)
            throws P9Exception {
        return refusals.refusedSpecialOpenMode(who, dir, op, name, mode);
    }

    public P9Exception refusedFileType(Subject who, FileHandle dir, Operation op, String name, int perm)
            throws P9Exception {
        return refusals.refusedFileType(who, dir, op, name, perm);
    }

    public P9Exception refusedCreateModeBits(Subject who, FileHandle dir, Operation op, String name, int perm)
            throws P9Exception {
        return refusals.refusedCreateModeBits(who, dir, op, name, perm);
    }

    public P9Exception refusedTypeChange(Subject who, FileHandle handle, int mode) throws P9Exception {
        return refusals.refusedTypeChange(who, handle, mode);
    }

    public P9Exception refusedModeBits(Subject who, FileHandle handle, int mode) throws P9Exception {
        return refusals.refusedModeBits(who, handle, mode);
    }

    public P9Exception refusedOwnerName(Subject who, FileHandle handle, String field, String name) throws P9Exception {
        return refusals.refusedOwnerName(who, handle, field, name);
    }

    // ---------------------------------------------------------------- session: GuardedSession

    public void auth(Subject who, String aname) throws P9Exception {
        session.auth(who, aname);
    }

    public Attached attach(Subject who, String aname, SessionShares shares) throws P9Exception {
        return session.attach(who, aname, shares);
    }

    public void clunk(Subject who, FileHandle handle) throws P9Exception {
        session.clunk(who, handle);
    }

    // ---------------------------------------------------------------- lookup and metadata: GuardedLookups

    public Walked walk(Subject who, FileHandle handle, List<String> names, Claim claim) throws P9Exception {
        return lookups.walk(who, handle, names, claim);
    }

    public Described getattr(Subject who, FileHandle handle) throws P9Exception {
        return lookups.getattr(who, handle);
    }

    public void setattr(Subject who, FileHandle handle, SetAttr attr) throws P9Exception {
        lookups.setattr(who, handle, attr);
    }

    /** What a Tsetattr of {@code attr} would refuse, asked before a Twstat renames the file to {@code newName}. */
    public void requireSettable(Subject who, FileHandle handle, SetAttr attr, String newName) throws P9Exception {
        lookups.requireSettable(who, handle, attr, newName);
    }

    public StatFs statfs(Subject who, FileHandle handle) throws P9Exception {
        return lookups.statfs(who, handle);
    }

    public String readlink(Subject who, FileHandle handle, int maxTargetBytes) throws P9Exception {
        return lookups.readlink(who, handle, maxTargetBytes);
    }

    // ---------------------------------------------------------------- open and create: GuardedOpens

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

    public Created create(Subject who, FileHandle handle, Creation asked, Claim claim) throws P9Exception {
        return opens.create(who, handle, asked, claim);
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

    // ---------------------------------------------------------------- read, write, fsync: GuardedIo

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

    // ---------------------------------------------------------------- directory reads: GuardedListings

    public List<DirEntry> readdir(Subject who, FileHandle handle, OpenHandle opened, long offset, int count)
            throws P9Exception {
        return listings.readdir(who, handle, opened, offset, count);
    }

    public List<ListedEntry> readdirDescribed(
            Subject who, FileHandle handle, OpenHandle opened, long offset, long cookie, int count) throws P9Exception {
        return listings.readdirDescribed(who, handle, opened, offset, cookie, count);
    }

    // ---------------------------------------------------------------- directory entries: GuardedEntries

    public Qid mkdir(Subject who, FileHandle handle, String name, int askedMode, int gid) throws P9Exception {
        return entries.mkdir(who, handle, name, askedMode, gid);
    }

    public Qid symlink(Subject who, FileHandle handle, String name, String target, int gid) throws P9Exception {
        return entries.symlink(who, handle, name, target, gid);
    }

    public Qid mknod(Subject who, FileHandle handle, String name, int askedMode, int major, int minor, int gid)
            throws P9Exception {
        return entries.mknod(who, handle, name, askedMode, major, minor, gid);
    }

    public int groupOfUnnamedCreate(Subject who, FileHandle dir, int dirGid, int dirMode) {
        return entries.groupOfUnnamedCreate(who, dir, dirGid, dirMode);
    }

    public void link(Subject who, FileHandle handle, FileHandle linked, String name) throws P9Exception {
        entries.link(who, handle, linked, name);
    }

    /**
     * A 9P2000.u Tcreate of a symlink: made as Tsymlink, and the fid {@code onto} holds becomes it under that one
     * decision (create(5)); {@link #mknodOnto} and {@link #linkOnto} likewise for a node and a hard link.
     */
    public Walked symlinkOnto(Subject who, FileHandle handle, String name, String target, int gid, Claim onto)
            throws P9Exception {
        return entries.symlink(who, handle, name, target, gid, Optional.of(onto));
    }

    public Walked mknodOnto(
            Subject who, FileHandle handle, String name, int askedMode, int major, int minor, int gid, Claim onto)
            throws P9Exception {
        return entries.mknod(who, handle, name, askedMode, major, minor, gid, Optional.of(onto));
    }

    public Walked linkOnto(Subject who, FileHandle handle, FileHandle linked, String name, Claim onto)
            throws P9Exception {
        return entries.link(who, handle, linked, name, Optional.of(onto));
    }

    public void unlinkat(Subject who, FileHandle handle, String name, boolean directory) throws P9Exception {
        entries.unlinkat(who, handle, name, directory);
    }

    public void remove(Subject who, FileHandle handle) throws P9Exception {
        entries.remove(who, handle);
    }

    public void removeDropping(Subject who, FileHandle handle, PendingXattr dropped) throws P9Exception {
        entries.removeDropping(who, handle, dropped);
    }

    // ---------------------------------------------------------------- renames: GuardedRenames

    public void rename(Subject who, FileHandle handle, FileHandle newDirHandle, String newName) throws P9Exception {
        renames.rename(who, handle, newDirHandle, newName);
    }

    public void renameInPlace(Subject who, FileHandle handle, String newName, boolean mayReplace) throws P9Exception {
        renames.renameInPlace(who, handle, newName, mayReplace);
    }

    public boolean isShareRoot(FileHandle handle) {
        return renames.isShareRoot(handle);
    }

    public void renameat(Subject who, FileHandle oldDirHandle, String oldName, FileHandle newDirHandle, String newName)
            throws P9Exception {
        renames.renameat(who, oldDirHandle, oldName, newDirHandle, newName);
    }

    // ---------------------------------------------------------------- extended attributes: GuardedXattrs

    public HeldXattr xattrGet(Subject who, FileHandle handle, String name, Claim claim) throws P9Exception {
        return xattrs.xattrGet(who, handle, name, claim);
    }

    public HeldXattr xattrList(Subject who, FileHandle handle, Claim claim) throws P9Exception {
        return xattrs.xattrList(who, handle, claim);
    }

    public PendingXattr xattrCreate(Subject who, FileHandle handle, String name, long size, int flags, Claim claim)
            throws P9Exception {
        return xattrs.xattrCreate(who, handle, name, size, flags, claim);
    }

    public int writeXattr(Subject who, FileHandle handle, PendingXattr pending, long offset, ByteBuffer data)
            throws P9Exception {
        return xattrs.writeXattr(who, handle, pending, offset, data);
    }

    public ByteBuf readXattr(Subject who, FileHandle handle, String name, byte[] value, long offset, int count)
            throws P9Exception {
        return xattrs.readXattr(who, handle, name, value, offset, count);
    }

    public void commitXattr(Subject who, FileHandle handle, PendingXattr pending) throws P9Exception {
        xattrs.commitXattr(who, handle, pending);
    }

    // ---------------------------------------------------------------- locks: GuardedLocks

    /** {@code opened}: the open file of the fid the lock is taken through (a write lock asks for its access mode). */
    public int lock(
            Subject who,
            FileHandle handle,
            OpenHandle opened,
            LockOwner owner,
            FidLockOwners lockedThrough,
            int type,
            long start,
            long length)
            throws P9Exception {
        return locks.lock(who, handle, opened, owner, lockedThrough, type, start, length);
    }

    public boolean lockAllowedNow(Subject who, FileHandle handle, RequestArgs.Lock args) throws P9Exception {
        return locks.lockAllowedNow(who, handle, args);
    }

    public boolean releaseLocksIfRefused(
            Subject who, FileHandle handle, RequestArgs.Lock args, String words, Runnable release) throws P9Exception {
        return locks.releaseLocksIfRefused(who, handle, args, words, release);
    }

    public Optional<HeldLock> getlock(
            Subject who, FileHandle handle, LockOwner owner, int type, long start, long length) throws P9Exception {
        return locks.getlock(who, handle, owner, type, start, length);
    }

    // ---------------------------------------------------------------- helpers

    /** The VM this session speaks for (its identity from the transport). */
    public String vm() {
        return vm;
    }

    /** stat(5)'s name of the file at share-relative {@code path}: its last element, "/" for the share root. */
    public static String statName(String path) {
        return path.isEmpty() ? "/" : path.substring(path.lastIndexOf('/') + 1);
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
}
