package io.p9gate.gateway.backend;

import static io.p9gate.gateway.backend.LinuxSyscalls.AT_FDCWD;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_CLOEXEC;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_DIRECTORY;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_PATH;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The confinement boundary of one share (R-CONF-1). Every handle inside the share is obtained
 * from the root's handle one name at a time with openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|
 * RESOLVE_NO_MAGICLINKS) and O_NOFOLLOW, so no symlink (absolute, relative, dangling, swapped in
 * by a racing host) and no /proc magic link is ever followed; ".." is handled here and never
 * climbs above the root. No lookup enters a kernel pseudo filesystem mounted inside ({@link KernelFilesystems}).
 */
public final class ShareRoot implements AutoCloseable {
    private final Node root;
    private final QidMapper qids;
    /** Renames that may have changed where this share's handles are (see {@link OpenShares}). */
    private final RenameEpoch renames = new RenameEpoch();
    /** Where files were last linked through this share: a removed name's file may be found there. */
    private final LinkedNames linked = new LinkedNames();
    /** Paths as the kernel reports them, and the root's own path they are read against. */
    private final KernelPaths kernel;
    /** Paths for policy and audit: remembered, or the kernel's. */
    private final SharePaths paths;
    /** Whether files beneath may hold kept set-id bits, and the root's mark that says so. */
    private final SetIdMark setIdMark;
    /** The mount the root was opened through ({@link MountIds}): a descriptor's mount never changes. */
    private final long mountId;

    /**
     * statfs(2)'s f_type of the root's file system, as its open found it: a share opened beside n others asked it of
     * both roots per pair, 2 of the 17 calls each pair costs (ShareOpenPairsTest).
     */
    private final long filesystemType;
    /**
     * Whether moves made on the host are watched for this share ({@link HostMoves}): then a path is remembered only
     * through directories watched before it was learned.
     */
    private volatile boolean watchesMoves;

    /** Set first by {@link #close}: a request still running then watches nothing more ({@link HostMoves}). */
    private final AtomicBoolean closed = new AtomicBoolean();
    /**
     * A reload took the share from its VM, until one gives it back: it watches nothing, a request decided before the
     * reload and still running included ({@link HostMoves}). Read only when a directory is to be watched anew.
     */
    private volatile boolean takenAway;
    /** An epoch no path is learned under: the directory it would pass through is not watched. */
    private static final long UNWATCHED = -1;

    private ShareRoot(Node root, QidMapper qids, long filesystemType) throws P9Exception {
        this.root = root;
        this.qids = qids;
        this.filesystemType = filesystemType;
        this.mountId = MountIds.of(root);
        this.kernel = new KernelPaths(this, root, renames, linked);
        this.paths = new SharePaths(this, kernel);
        this.setIdMark = new SetIdMark(root);
    }

    /**
     * Whether any file beneath this share may hold kept set-id bits: its root, a directory above it, or the root of a
     * share of this process it overlaps, carried {@link SetIdMark#SETID_MARK} when opened, or bits have been kept through any
     * share of this process
     * ({@link OpenShares#opened}). False means a file's set-id
     * xattr need not be read: there is none, except in files copied in from elsewhere with their xattrs.
     */
    public boolean setIdBitsMayBeKept() {
        return setIdMark.mayBeKept();
    }

    /**
     * Called before a guest's set-id bits are first kept in an xattr beneath this share: marks its root for the
     * next start of the gateway and makes every open share read such bits from now on. A root that cannot be
     * marked (no user xattrs, read-only) leaves the bits to this process: the next start does not show them.
     */
    public void keepingSetIdBits() {
        setIdMark.keeping();
    }

    void setIdBitsKept() {
        setIdMark.kept();
    }

    /**
     * Opens the share's directory (an administrator's path: symlinks in it are the admin's choice). For a gateway's
     * shares, which may nest, {@link #open(Path, QidMapper, AdminSymlinksOnly)}.
     */
    public static ShareRoot open(Path directory, QidMapper qids) throws P9Exception {
        return open(directory, qids, ShareRootProbe.HOST);
    }

    /**
     * As {@link #open(Path, QidMapper)}, asking {@code probe} what the directory is on.
     *
     * @throws UnservableShare if it is on a kernel pseudo filesystem or matches names without case
     */
    static ShareRoot open(Path directory, QidMapper qids, ShareRootProbe probe) throws P9Exception {
        return opened(
                ConfinedOpens.nodeOf(Fd.open(() -> LinuxSyscalls.openat(
                        AT_FDCWD, directory.toAbsolutePath().toString(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0))),
                directory,
                qids,
                probe);
    }

    /**
     * Opens the share's directory following the admin's symlinks but none inside a share's directory, which a guest
     * may have made ({@link AdminSymlinksOnly}).
     */
    public static ShareRoot open(Path directory, QidMapper qids, AdminSymlinksOnly paths) throws P9Exception {
        return opened(paths.open(directory), directory, qids, ShareRootProbe.HOST);
    }

    private static ShareRoot opened(Node root, Path directory, QidMapper qids, ShareRootProbe probe)
            throws P9Exception {
        try {
            long type = probe.filesystemType(root);
            Optional<String> kernel = KernelFilesystems.named(type);
            if (kernel.isPresent()) {
                throw new UnservableShare(
                        directory + " (" + kernel.get() + ")",
                        "a kernel pseudo filesystem (proc, sysfs, ...), not files");
            }
            Optional<String> caseless = CaseInsensitiveFilesystems.refusal(type, probe.inodeFlags(root));
            if (caseless.isPresent()) {
                throw new UnservableShare(directory.toString(), caseless.get());
            }
            ShareRoot share = new ShareRoot(root, qids, type);
            OpenShares.opened(share);
            return share;
        } catch (P9Exception e) {
            root.close();
            throw e;
        }
    }

    public QidMapper qids() {
        return qids;
    }

    /** A new reference to the root handle. */
    public Node root() throws P9Exception {
        return root.share();
    }

    public boolean isRoot(Node node) {
        return node.key().equals(root.key());
    }

    public FileKey rootKey() {
        return root.key();
    }

    /** statfs(2)'s f_type of the file system the root is on, as found at open. */
    long filesystemType() {
        return filesystemType;
    }

    /** The root's handle itself, not a new reference: for climbing from it, never to be closed. */
    Node rootNode() {
        return root;
    }

    /** The mount the root was opened through, {@link MountIds#UNKNOWN} if it could not be read. */
    long mountId() {
        return mountId;
    }

    RenameEpoch renames() {
        return renames;
    }

    /**
     * From now on, moves made on the host (not through the gateway) advance this share's rename counter as renames
     * through the gateway do ({@link HostMoves}): for a share whose policy decides by path, where a handle's remembered
     * path must not outlive a move by the host. Every path remembered so far is forgotten, since none was watched.
     */
    public void watchMoves() {
        synchronized (renames) {
            if (watchesMoves) {
                return;
            }
            watchesMoves = true;
        }
        renames.advance();
    }

    /** Every directory this share watches given up, and its remembered paths with them: its VM's sessions all ended. */
    public void releaseWatches() {
        HostMoves.released(this);
    }

    /**
     * A reload took the share from its VM: every directory it watches is given up, and none watched again until a
     * reload gives it back ({@link #givenBack}). Released alone, a request still running watched anew after the
     * release, held until the VM's last session ended (DisconnectedVmWatchesAttackTest). Its VM's last share taken
     * closes the VM's inotify instance (a VM the reload removed).
     */
    public void takenAway() {
        takenAway = true; // before the release: an add after its lock sees it, one before is released
        HostMoves.takenAway(this);
    }

    /** A reload gave the share (back) to its VM: its next walks watch again. */
    public void givenBack() {
        takenAway = false;
    }

    /** Whether a directory may no longer be watched for this share: it closed, or a reload took it away. */
    boolean watchesNoMore() {
        return closed.get() || takenAway;
    }

    /** Whether moves made on the host are watched for this share ({@link #watchMoves}). */
    boolean watchesMoves() {
        return watchesMoves;
    }

    /**
     * The epoch to learn the path of a name about to be looked up or made in {@code dir} under ({@link
     * #learnChildPath}), read before the lookup; where host moves are watched, {@code dir} is watched first, and if it
     * cannot be, an epoch under which nothing is learned: its children ask the kernel at each request.
     */
    long learningEpoch(Node dir) {
        long epoch = renames.now(); // before the flag: a watchMoves in between outdates it
        return watchesMoves && !HostMoves.watch(this, dir) ? UNWATCHED : epoch;
    }

    /** The share path of {@code name} in the directory at share path {@code dir} ("" for the root). */
    static String childPath(String dir, String name) {
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    /** Looks up one name in {@code dir}; "." is the directory itself, ".." never leaves the share. */
    public Node lookup(Node dir, String name) throws P9Exception {
        return find(dir, name).node();
    }

    /**
     * A name looked up, with the stat its handle was examined with (its type, and the walk's qid: one statx per
     * name, issue 11), or a null stat for "." and "..", which take none.
     */
    public record Found(Node node, FileStat stat) {}

    /** As {@link #lookup}, keeping the lookup's stat. */
    public Found find(Node dir, String name) throws P9Exception {
        if (!dir.isDirectory()) {
            throw new P9Exception(Errno.ENOTDIR, "walk from a non-directory");
        }
        if (name.equals(".")) {
            return new Found(dir.share(), null);
        }
        if (name.equals("..")) {
            return new Found(parentOf(dir), null);
        }
        Names.check(name);
        long epoch = learningEpoch(dir);
        Examined examined =
                ConfinedOpens.openNamed(() -> dir.use(fd -> ConfinedOpens.openBeneath(fd, name, O_PATH, 0)));
        Node node = KernelFilesystems.refuseCrossingInto(dir, examined.node());
        learnChildPath(dir, name, node, epoch);
        return new Found(node, examined.stat());
    }

    /**
     * {@code child}, just looked up or created as {@code name} in {@code dir}, is at the directory's path plus the
     * name, if the directory's path was known at {@code epoch}, read before the lookup: no rename had begun since
     * the directory's path was true, and any that begins later outdates the child's path too. Never for ".." or
     * ".": a ".." is checked against the kernel instead (Walks).
     */
    void learnChildPath(Node dir, String name, Node child, long epoch) {
        if (epoch == UNWATCHED) {
            return;
        }
        String dirPath = isRoot(dir) ? "" : dir.pathAt(epoch);
        if (dirPath != null) {
            child.learnPath(childPath(dirPath, name), epoch);
        }
    }

    private Node parentOf(Node dir) throws P9Exception {
        if (isRoot(dir)) {
            return root.share();
        }
        Node parent = Climb.up(dir);
        try {
            if (!isBeneathRoot(parent)) {
                throw new P9Exception(Errno.EACCES, "parent is outside the share");
            }
            return parent;
        } catch (P9Exception | RuntimeException e) {
            parent.close();
            throw e;
        }
    }

    /**
     * The parent of {@code dir}, a walk's ".." decided as {@code expected}, if the kernel puts it there: its key is
     * the one {@code along}'s descent from the root found at that path (by confined lookups, so it is beneath the
     * root, as {@link #find} climbs to prove). One descent serves the whole walk; two climbs per ".." made a walk of
     * 16 ".." names 2,000 levels deep cost ~0.7 s of CPU. Null if it is not there: the caller asks {@link #find}
     * and the kernel's path why (outside the share, or moved).
     */
    public Node parentAt(Node dir, String expected, WalkAncestry along) throws P9Exception {
        if (!dir.isDirectory()) {
            throw new P9Exception(Errno.ENOTDIR, "walk from a non-directory");
        }
        Node parent = isRoot(dir) ? root.share() : Climb.up(dir);
        try {
            if (along.places(expected, parent.key())) {
                if (!isRoot(parent) && !watchesMoves) { // else the kernel's check that follows learns it, watched
                    parent.learnPath(expected, along.epoch());
                }
                return parent;
            }
        } catch (P9Exception | RuntimeException e) {
            parent.close();
            throw e;
        }
        parent.close();
        return null;
    }

    /**
     * The keys of the root and of each directory along {@code path} beneath it, looked up one confined name at a
     * time; they stop where a name is not there (moved, removed, a symlink, or no descriptor left): not at that path.
     */
    List<FileKey> keysAlong(String path) throws P9Exception {
        return kernel.keysAlong(path);
    }

    /**
     * Climbs from {@code node} by ".." until the root (inside) or the filesystem's top (outside):
     * a directory the host moved out of the share must not lead the guest outside.
     */
    boolean isBeneathRoot(Node node) throws P9Exception {
        return Climb.climb(node, key -> key.equals(root.key())) == Climb.Climbed.FOUND;
    }

    /**
     * The node's path relative to the share root ("" for the root), for policy and audit only: never used to
     * reach the file. The path the node learned from the walk or create that made it while no rename through the
     * gateway has begun since (no system call: issue 11); otherwise the kernel's answer ({@link #currentPath}),
     * remembered until the next rename. Why a remembered path cannot let a request escape a hidden or read-only
     * subtree: docs/architecture.md, "Share paths carried by the handle".
     *
     * @throws P9Exception EACCES if the inode is no longer beneath the share root
     */
    public String relativePath(Node node) throws P9Exception {
        return paths.relativePath(node);
    }

    /**
     * The path a Tclunk that only closes is recorded on: as {@link #relativePath}, or, for a handle the host moved out
     * of the share, the path it was last known by in it. The clunk touches no file and is answered Rclunk whatever
     * is decided, so it is recorded as the success it is, on the name the guest knew the file by; EACCES only for a
     * handle that never learned one.
     */
    public String closingPath(Node node) throws P9Exception {
        return paths.closingPath(node);
    }

    /**
     * As {@link #relativePath}, for a decision: a handle known by a removed name while its file keeps another (a
     * VM linked it elsewhere and unlinked the name the handle was reached by) has no place to be decided at, and is
     * {@link RemovedName}. Such a handle learns no path: each request asks the kernel again.
     */
    public String placedPath(Node node) throws P9Exception {
        return paths.placedPath(node);
    }

    /**
     * The node's path as the kernel knows it now, never as remembered: through /proc/self/fd, or, for a directory
     * deeper than the PATH_MAX bytes /proc can report (issue 15), by climbing ".." and finding each name.
     *
     * When the kernel says the handle is outside the share, the host moved it (the gateway never moves anything
     * out): the rename counter is advanced, so every handle's remembered path is asked of the kernel again
     * instead of answering a later request on a fid in the moved tree.
     *
     * @throws P9Exception EACCES if the inode is no longer beneath the share root; ENAMETOOLONG for a
     *                     non-directory beyond PATH_MAX (a file has no ".." to climb from)
     */
    public String currentPath(Node node) throws P9Exception {
        return paths.currentPath(node);
    }

    /**
     * The kernel's path of {@code node} ({@link #currentPath(Node)}, the names of {@code expected} looked up
     * first), remembered as {@link #relativePath} remembers the kernel's answer when it is {@code expected}: a handle
     * a walk reached by "..", which learns no path from the walk, then asks the kernel no more at each request.
     */
    public String checkedPath(Node node, String expected) throws P9Exception {
        return paths.checkedPath(node, expected);
    }

    /**
     * The path a request that changes the host is decided on: the kernel's ({@link #currentPath}), so a fid whose
     * directory the host moved out of the share changes nothing there (R-CONF-1). If it differs from the path the
     * handle remembers, the host moved it within the share: every remembered path is forgotten. A non-directory
     * deeper than PATH_MAX, which the kernel cannot name, is decided on its remembered path ({@link
     * #relativePath}).
     *
     * @throws P9Exception EACCES if the inode is no longer beneath the share root
     */
    public String confirmedPath(Node node) throws P9Exception {
        return paths.confirmedPath(node);
    }

    /**
     * Notes that {@code file} was just linked at {@code path} through this share: a handle of it whose own name is
     * removed later is decided there, if it is still there ({@link LinkedNames}).
     */
    void linkedAt(Node file, String path) {
        linked.linked(file.key(), path);
    }

    /**
     * Notes that {@code file} was just renamed to {@code path} through this share: if a link through it is
     * remembered ({@link #linkedAt}), the file is looked for at its new name.
     */
    void renamedTo(Node file, String path) {
        linked.renamed(file.key(), path);
    }

    /** Whether any file is remembered where it was linked through this share ({@link #linkedAt}). */
    boolean remembersLinks() {
        return !linked.isEmpty();
    }

    /**
     * Notes that the entry at share path {@code from} was just renamed by name to {@code to} (null where the new
     * place cannot be named): a file remembered at {@code from} ({@link #linkedAt}) is looked for at {@code to}.
     */
    void renamedFrom(String from, String to) {
        linked.renamedFrom(from, to);
    }

    /**
     * Checks with the kernel that directory {@code dir} is at {@code expected}, the path a request was decided
     * on. If it is not, something the gateway did not do (the host) moved it: every remembered path is forgotten
     * and the request fails as a name that no longer resolves.
     *
     * @throws P9Exception EACCES if it is outside the share, ENOENT if it is elsewhere in it
     */
    public void requireAt(Node dir, String expected) throws P9Exception {
        paths.requireAt(dir, expected);
    }

    /** Where a node currently lives: its parent directory's handle and its name there. */
    public record Location(Node parent, String name) implements AutoCloseable {
        @Override
        public void close() {
            parent.close();
        }
    }

    /**
     * The directory entry at {@code path}, the share path a request on {@code node} was decided on, if it still names
     * that file. Trename and Tremove act here, never where the file may have gone since the decision: a file the host
     * or another VM moved into a hidden or read-only subtree in between must not be renamed or unlinked from there.
     *
     * @throws P9Exception ENOENT if the entry at {@code path} is not the file any more; EBUSY for the share root
     */
    public Location locate(Node node, String path) throws P9Exception {
        if (isRoot(node) || path.isEmpty()) {
            throw new P9Exception(Errno.EBUSY, "the share root has no parent entry");
        }
        return locateAt(node, path);
    }

    /** As {@link #locate}, for the root too: whether a path still names its file ({@link KernelPaths}). */
    Location locateAt(Node node, String path) throws P9Exception {
        String[] parts = path.split("/");
        Node dir = root.share();
        try {
            for (int i = 0; i < parts.length - 1; i++) {
                Node next = lookup(dir, parts[i]);
                dir.close();
                dir = next;
            }
            String name = parts[parts.length - 1];
            FileStat stat = Inodes.statAt(dir, name);
            if (!stat.key().equals(node.key())) {
                throw new P9Exception(Errno.ENOENT, "entry no longer names the file");
            }
            return new Location(dir, name);
        } catch (P9Exception | RuntimeException e) {
            dir.close();
            throw e;
        }
    }

    /**
     * For tests: returns once every move the host made before the call has been told to the shares that watch it
     * ({@link HostMoves}).
     */
    public static void awaitHostMovesSeen() throws InterruptedException {
        HostMoves.awaitQueued();
    }

    /** For tests: how many times a handle's path was asked of the kernel. */
    long kernelLookups() {
        return kernel.kernelLookups();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            // Once: a second close gave back the reference of a fid still holding the root (ShareClosedTwiceTest).
            return;
        }
        OpenShares.closed(this);
        HostMoves.closed(this);
        root.close();
    }
}
