package io.p9gate.gateway.backend;

import static io.p9gate.gateway.backend.LinuxSyscalls.AT_EMPTY_PATH;
import static io.p9gate.gateway.backend.LinuxSyscalls.AT_FDCWD;
import static io.p9gate.gateway.backend.LinuxSyscalls.AT_REMOVEDIR;
import static io.p9gate.gateway.backend.LinuxSyscalls.AT_SYMLINK_FOLLOW;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_PATH;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;

/**
 * Directory-entry operations of one share: create, mkdir, symlink, mknod, link, rename, unlink.
 * Each names its target as (directory handle, single checked name); nothing is resolved by path.
 */
public final class Entries {
    private final ShareRoot share;

    public Entries(ShareRoot share) {
        this.share = share;
    }

    /**
     * What the gateway gives an entry it makes before any guest can reach it: its owner and mode as the guest sees
     * them (fs.Ownership). It runs on the very inode made, while only the gateway can name it.
     */
    @FunctionalInterface
    public interface Finish {
        /** @param stat taken just after it was made: its owner is still the one made with, its mode may not be */
        void apply(Node made, FileStat stat) throws P9Exception;
    }

    /** Makes an entry named {@code name} beneath {@code dirfd}. */
    @FunctionalInterface
    private interface Make {
        void at(int dirfd, String name) throws P9Exception;
    }

    private static final SecureRandom NAMES = new SecureRandom();

    private static final System.Logger LOG = System.getLogger(Entries.class.getName());

    /** Test seam: see {@link #whileMaking(Runnable)}. */
    private static volatile Runnable whileMaking;

    /**
     * Test seam (adversarial.CreateRenameRaceAttackTest): {@code hook} runs in each Tmkdir, Tmknod and Tsymlink once
     * the entry exists on the host and before it is given its owner and mode, the window a concurrent rename aims at;
     * null removes it.
     */
    public static void whileMaking(Runnable hook) {
        whileMaking = hook;
    }

    /** Test seam: see {@link #whileRemoving(Runnable)}. */
    private static volatile Runnable whileRemoving;

    /**
     * Test seam (adversarial.RemoveUnlinkRecreateRaceAttackTest): {@code hook} runs in each Tremove once the entry was
     * seen, under its lock, to still name the fid's file and before it is unlinked; null removes it.
     */
    public static void whileRemoving(Runnable hook) {
        whileRemoving = hook;
    }

    /** The lock of one entry ({@link #holding}), held until closed. */
    public interface Holding extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Holds the lock of {@code name} in {@code dir} ({@link EntryLocks}, reentrant: an unlink under it takes it
     * again): for a caller that looks at the entry and then unlinks it, so no rename lands on the name between the
     * look and the unlink. Taken after the quota's locks (QuotaAccounting.removing); OwnChangeNotes.make takes it
     * again around the change.
     */
    public static Holding holding(Node dir, String name) {
        return EntryLocks.lock(dir, name);
    }

    /**
     * As {@link #holding(Node, String)}, the locks of both names of a rename, in {@link EntryLocks}' order (a rename
     * under them takes them again): QuotaAccounting.moving, from its look at both entries to the rename.
     */
    public static Holding holding(Node dirA, String nameA, Node dirB, String nameB) {
        return EntryLocks.lock(dirA, nameA, dirB, nameB);
    }

    /** Tests: whether a request waits for the lock of an entry another request holds ({@link EntryLocks}). */
    public static boolean entryLockAwaited() {
        return EntryLocks.awaited();
    }

    /** Tmkdir: the new directory, with exactly {@code mode}, after {@code finish}. */
    public Node mkdir(Node dir, String name, int mode, Finish finish) throws P9Exception {
        Names.check(name);
        return made(dir, name, true, (fd, at) -> LinuxSyscalls.mkdirat(fd, at, mode & 07777), (node, stat) -> {
            CreateModes.set(node, mode, stat);
            finish.apply(node, stat);
        });
    }

    public Node symlink(Node dir, String name, String target, Finish finish) throws P9Exception {
        Names.check(name);
        if (target.isEmpty() || target.indexOf('\0') >= 0) {
            throw new P9Exception(Errno.EINVAL, "invalid symlink target");
        }
        // The target is stored as text and never followed by the gateway (ShareRoot refuses symlinks).
        return made(dir, name, false, (fd, at) -> LinuxSyscalls.symlinkat(target, fd, at), finish);
    }

    /**
     * Creates a regular file, fifo or socket. Never a device node (R-CONF-2): a real one in a host folder
     * would give any host process that reads the share the host's device; see {@link #mknodMapped}.
     */
    public Node mknod(Node dir, String name, int mode, int major, int minor, Finish finish) throws P9Exception {
        Names.check(name);
        // mknod(2): a zero file type is S_IFREG; bits Linux does not define are EINVAL, as are S_IFDIR and S_IFLNK.
        FileType type = (mode & FileType.S_IFMT) == 0 ? FileType.REGULAR : FileType.ofMode(mode);
        if (type == null || type == FileType.DIRECTORY || type == FileType.SYMLINK) {
            throw new P9Exception(Errno.EINVAL, "mknod of type " + Integer.toOctalString(mode & FileType.S_IFMT));
        }
        if (type != null && type.isDevice()) {
            throw new P9Exception(Errno.EPERM, "no device node is created in a host folder");
        }
        long dev = FileStat.makedev(major, minor);
        return made(
                dir,
                name,
                false,
                (fd, at) -> LinuxSyscalls.mknodat(fd, at, type.modeBits() | (mode & 07777), dev),
                (node, stat) -> {
                    CreateModes.set(node, mode, stat);
                    finish.apply(node, stat);
                });
    }

    /**
     * Stores a guest's special file mapped: an empty regular file of mode 0600 carrying the device in its
     * {@link MappedSpecialFile#XATTR} xattr. If the xattr cannot be written (a filesystem without user xattrs) the
     * request fails and leaves nothing.
     */
    public Node mknodMapped(Node dir, String name, MappedSpecialFile special, Finish finish) throws P9Exception {
        Names.check(name);
        return made(
                dir,
                name,
                false,
                (fd, at) ->
                        LinuxSyscalls.mknodat(fd, at, FileType.REGULAR.modeBits() | MappedSpecialFile.HOST_PERMS, 0),
                (node, stat) -> {
                    Xattrs.set(
                            node,
                            MappedSpecialFile.XATTR,
                            special.encode().getBytes(StandardCharsets.US_ASCII),
                            Xattrs.XATTR_CREATE);
                    finish.apply(node, stat);
                });
    }

    /**
     * Makes {@code name} in {@code dir} and gives it its attributes ({@code finish}) such that they go to the inode
     * made and to no other. Made under its name, it was looked up again by that name to be finished, and a rename
     * of another entry onto the name in between (another session of the VM, allowed RENAME where SETATTR is
     * refused) had the gateway chmod and chown that entry for it (adversarial.CreateRenameRaceAttackTest). So it is
     * made under a fresh {@link Names#MAKING_PREFIX} name, which no guest request can name or list, finished there
     * and renamed to {@code name} only if that is still free (RENAME_NOREPLACE): EEXIST, and nothing left, if it was
     * taken meanwhile. A gateway stopped in between leaves at most that hidden entry (docs/filesystem.md). A
     * filesystem that cannot rename without replacing (NFS, some FUSE) makes nothing: EOPNOTSUPP. A non-directory
     * is linked to {@code name} instead where the file system makes hard links ({@link #linkedIntoPlace}).
     */
    private Node made(Node dir, String name, boolean directory, Make make, Finish finish) throws P9Exception {
        requireFree(dir, name);
        String making = makingName();
        dir.use(fd -> {
            make.at(fd, making);
            return null;
        });
        Node node = null;
        long epoch;
        boolean linked;
        try {
            Runnable hook = whileMaking;
            if (hook != null) {
                hook.run();
            }
            // The name is the gateway's alone: no guest request can have put another entry there.
            Examined made = ConfinedOpens.examine(
                    Fd.open(() -> dir.use(fd -> ConfinedOpens.openBeneath(fd, making, O_PATH, 0))));
            node = made.node();
            finish.apply(node, made.stat());
            epoch = share.learningEpoch(dir); // before the entry has its name: see ShareRoot.learnChildPath
            linked = !directory && linkedIntoPlace(dir, making, name, node.key());
            if (!linked) {
                HostMoves.renamed(
                        dir,
                        making,
                        dir,
                        name,
                        false,
                        () -> dir.use(fd -> {
                            renameNoReplace(fd, making, name);
                            return null;
                        }));
            }
        } catch (P9Exception | RuntimeException e) {
            if (node != null) {
                node.close();
            }
            try {
                dir.use(fd -> {
                    LinuxSyscalls.unlinkat(fd, making, directory ? AT_REMOVEDIR : 0);
                    return null;
                });
            } catch (P9Exception ignored) {
                // The request fails either way; what is left is an entry no guest sees.
            }
            throw e;
        }
        if (linked) {
            dropMakingName(dir, making);
            node = byItsName(dir, name, node);
        }
        share.learnChildPath(dir, name, node, epoch);
        return node;
    }

    /**
     * The entry linked into place, opened again by {@code name}: the handle it was made through is the kernel's
     * "{@code .p9gate-making-... (deleted)}" once that name is unlinked, and kept (a 9P2000.u Tcreate's fid), after
     * any rename it was placed at the reserved name, shown to the guest and recorded, or refused ESTALE where the
     * policy decides by path (adversarial.SpecialCreateFidAfterRenameAttackTest). If the name holds another file by
     * now (renamed over meanwhile) or cannot be opened (no descriptor left), the handle made stays.
     */
    private static Node byItsName(Node dir, String name, Node made) {
        Node named;
        try {
            named = ConfinedOpens.nodeOf(Fd.open(() -> dir.use(fd -> ConfinedOpens.openBeneath(fd, name, O_PATH, 0))));
        } catch (P9Exception e) {
            return made;
        }
        if (!named.key().equals(made.key())) {
            named.close();
            return made;
        }
        made.close();
        return named;
    }

    /** linkat(2)'s answers for a file system that makes no hard link (vfat, some FUSE): renamed into place instead. */
    private static final Set<Errno> NO_HARD_LINKS =
            EnumSet.of(Errno.EPERM, Errno.EOPNOTSUPP, Errno.EMLINK, Errno.ENOSYS);

    /**
     * Gives the non-directory made at {@code making} the name {@code name} by a hard link (EEXIST if it is taken:
     * link(2) never replaces), whose IN_CREATE tells no watcher of the directory anything ({@link VmInotify}); its
     * reserved name is unlinked after ({@link #dropMakingName}), an own unlink the watchers count. Renamed into place,
     * its IN_MOVED_TO was read by another VM whose share overlaps once that VM had removed the name again, and such
     * an event is the host's as well when the host's rename onto the name merged into it: each Tsymlink or Tmknod
     * followed by its removal advanced the overlapping share (OverlappingChurnAdvancesAttackTest). Returns false,
     * linking nothing, where the file system makes no hard link ({@link #NO_HARD_LINKS}): renamed then.
     */
    private static boolean linkedIntoPlace(Node dir, String making, String name, FileKey made) throws P9Exception {
        try {
            dir.use(fd -> {
                LinuxSyscalls.linkat(fd, making, fd, name, 0);
                return null;
            });
            return true;
        } catch (P9Exception e) {
            if (NO_HARD_LINKS.contains(e.errno())) {
                return false;
            }
            if (e.errno() == Errno.EEXIST && made.equals(Inodes.keyAt(dir, name))) {
                return true; // linked, its answer lost (an NFS retransmission is answered EEXIST)
            }
            throw e;
        }
    }

    /**
     * The reserved name of an entry linked into place goes. The entry has its name and attributes: a failure here
     * (EIO, a file system remounted read-only) leaves a hidden second name, as a stopped gateway does, not a
     * failed request for an entry that exists; no quota scan counts it, and the share's next opening removes it.
     */
    private static void dropMakingName(Node dir, String making) {
        try {
            unlink(dir, making, 0);
        } catch (P9Exception e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "the made entry keeps its reserved name " + making + ", hidden, until the share's next opening"
                            + " sweeps it (MakingLeftovers): " + e);
        }
    }

    /**
     * EEXIST for a name that exists now, before anything is made: made under its temporary name and refused only by
     * the rename, such a request changed the directory's mtime (the qid version a client caches by) twice, in about
     * seven host calls. One statx instead; the rename's RENAME_NOREPLACE stays the check that holds against a name
     * taken meanwhile. It answers as mkdir(2) does: EEXIST before the directory's write permission. A name the
     * policy hides never gets here (ENOENT, decided before). Any failure of the statx leaves the answer to the make.
     */
    private static void requireFree(Node dir, String name) throws P9Exception {
        try {
            Inodes.statAt(dir, name);
        } catch (P9Exception e) {
            return; // ENOENT: free; anything else, the make answers as before
        }
        throw new P9Exception(Errno.EEXIST, name + " exists");
    }

    /** {@code from} becomes {@code to} in one directory unless {@code to} exists (EEXIST). */
    static void renameNoReplace(int dirfd, String from, String to) throws P9Exception {
        try {
            LinuxSyscalls.renameat2(dirfd, from, dirfd, to, LinuxSyscalls.RENAME_NOREPLACE);
        } catch (P9Exception e) {
            if (e.errno() != Errno.EINVAL) {
                throw e;
            }
            // renameat2(2): EINVAL for a flag the filesystem does not support (nothing else can be, here).
            throw new P9Exception(Errno.EOPNOTSUPP, "the share's filesystem cannot rename without replacing");
        }
    }

    /** A fresh host name for an entry being made: the reserved prefix and 128 random bits. */
    static String makingName() {
        return fresh(Names.MAKING_PREFIX);
    }

    /** A fresh host name for an entry a take-back moves aside ({@link UnmadeFile}), which no sweep removes. */
    static String asideName() {
        return fresh(Names.ASIDE_PREFIX);
    }

    private static String fresh(String prefix) {
        byte[] random = new byte[16];
        NAMES.nextBytes(random);
        return prefix + HexFormat.of().formatHex(random);
    }

    /** Hard-links a file the guest already holds a handle on: it can never name a file outside. */
    public void link(Node target, Node dir, String name) throws P9Exception {
        Names.check(name);
        if (target.isDirectory()) {
            refuseDirectoryLink(dir, name);
        }
        dir.use(dfd -> target.use(tfd -> {
            try {
                LinuxSyscalls.linkat(tfd, "", dfd, name, AT_EMPTY_PATH);
            } catch (P9Exception e) {
                if (e.errno() != Errno.ENOENT || target.type() == FileType.SYMLINK) {
                    throw e;
                }
                // Without CAP_DAC_READ_SEARCH AT_EMPTY_PATH is refused: link through the inode's magic link.
                LinuxSyscalls.linkat(AT_FDCWD, LinuxSyscalls.procPath(tfd), dfd, name, AT_SYMLINK_FOLLOW);
            }
            return null;
        }));
        String path = placedName(dir, name);
        if (path != null) {
            share.linkedAt(target, path);
        }
    }

    /** The share path of {@code name} in {@code dir}, or null where the directory cannot be placed. */
    private String placedName(Node dir, String name) {
        String dirPath;
        try {
            dirPath = share.relativePath(dir);
        } catch (P9Exception e) {
            return null; // a directory that cannot be placed is no place to look for the file later
        }
        return ShareRoot.childPath(dirPath, name);
    }

    /**
     * A directory is never hard-linked, but link(2) looks the new name up first: ENOTDIR (or EACCES) from that
     * lookup, EEXIST for a name that exists, and EPERM only for a free name.
     */
    private static void refuseDirectoryLink(Node dir, String name) throws P9Exception {
        try {
            Inodes.statAt(dir, name);
        } catch (P9Exception e) {
            if (e.errno() != Errno.ENOENT) {
                throw e;
            }
            throw new P9Exception(Errno.EPERM, "hard link to a directory");
        }
        throw new P9Exception(Errno.EEXIST, name + " exists");
    }

    /**
     * Trenameat. Without {@code replace} an existing {@code newName} is left alone and the rename fails with EEXIST
     * (RENAME_NOREPLACE: the host tells atomically whether the name exists, so nothing can appear in between).
     */
    public void renameAt(Node oldDir, String oldName, Node newDir, String newName, boolean replace) throws P9Exception {
        renameAt(oldDir, oldName, newDir, newName, replace, true);
    }

    /**
     * As {@link #renameAt(Node, String, Node, String, boolean)}; without {@code mayBeDirectory} the rename was decided
     * on a source that is no directory, and a directory found at {@code oldName} just before the call (put there
     * since, by another request: a directory takes what is below it along, which the policy decides apart) is not
     * renamed: ENOENT, as for a file no longer where the rename was decided.
     */
    public void renameAt(
            Node oldDir, String oldName, Node newDir, String newName, boolean replace, boolean mayBeDirectory)
            throws P9Exception {
        renameAt(oldDir, oldName, newDir, newName, replace, mayBeDirectory, null);
    }

    /**
     * As {@link #renameAt(Node, String, Node, String, boolean, boolean)}, of the file {@code expected} found at
     * {@code oldName} ({@link ShareRoot#locate}): looked at again under the names' locks ({@link EntryLocks}), ENOENT
     * if a rename onto {@code oldName} put another file there since, which would be moved instead.
     */
    public void renameAt(
            Node oldDir,
            String oldName,
            Node newDir,
            String newName,
            boolean replace,
            boolean mayBeDirectory,
            FileKey expected)
            throws P9Exception {
        Names.check(oldName);
        Names.check(newName);
        refuseShareRoot(oldDir, oldName, false);
        if (replace) {
            refuseShareRoot(newDir, newName, true); // replacing an empty share root removes it as rmdir would
        }
        // A path a node of any share holding these directories learned may name a place this rename empties.
        OpenShares.renaming(share, oldDir, newDir);
        try {
            try (Holding _ = EntryLocks.lock(oldDir, oldName, newDir, newName)) {
                if (!mayBeDirectory || expected != null) {
                    // One look for both checks, under the lock: no rename lands on the name after it.
                    FileStat entry = Inodes.statAt(oldDir, oldName);
                    if (!mayBeDirectory && entry.type() == FileType.DIRECTORY) {
                        throw new P9Exception(
                                Errno.ENOENT, oldName + " became a directory after its rename was decided");
                    }
                    if (expected != null && !entry.key().equals(expected)) {
                        throw new P9Exception(Errno.ENOENT, "entry no longer names the file");
                    }
                }
                HostMoves.renamed(
                        oldDir,
                        oldName,
                        newDir,
                        newName,
                        replace, // onto a link of the same file: nothing done, no event
                        () -> oldDir.use(ofd -> newDir.use(nfd -> {
                            LinuxSyscalls.renameat2(
                                    ofd, oldName, nfd, newName, replace ? 0 : LinuxSyscalls.RENAME_NOREPLACE);
                            return null;
                        })));
            }
            if (share.remembersLinks()) {
                // A file linked at the old name is found at the new one, as after a rename through its handle.
                String from = placedName(oldDir, oldName);
                if (from != null) {
                    share.renamedFrom(from, placedName(newDir, newName));
                }
            }
        } finally {
            OpenShares.renaming(share, oldDir, newDir);
        }
    }

    /**
     * Trename: moves the file a handle names from {@code at}, where {@link ShareRoot#locate(Node, String)} found it at
     * the share path the request was decided on, into {@code newDir}; ENOENT if it is no longer there (not from
     * wherever it went since).
     */
    public void rename(Node node, ShareRoot.Location at, Node newDir, String newName, boolean replace)
            throws P9Exception {
        renameAt(at.parent(), at.name(), newDir, newName, replace, node.isDirectory(), node.key());
        // A handle the kernel knows by a removed name is found where the gateway last linked its file; renamed
        // through the handle, the file is found at its new name, not lost with the old one.
        String path = placedName(newDir, newName);
        if (path != null) {
            share.renamedTo(node, path);
        }
    }

    public void unlinkAt(Node dir, String name, boolean directory) throws P9Exception {
        unlinkAt(dir, name, directory, null);
    }

    /**
     * As {@link #unlinkAt(Node, String, boolean)}; {@code looked}: the file's stat the caller read just before, under
     * the lock that orders it with the VM's links of that inode (the quota accounting's), or null to read it here.
     */
    public void unlinkAt(Node dir, String name, boolean directory, FileStat looked) throws P9Exception {
        Names.check(name);
        // Under the entry's lock, as a rename: a Tremove between its look and its unlink of this name otherwise
        // unlinked the file made anew at the name once this took the one it looked at
        // (RemoveUnlinkRecreateRaceAttackTest).
        try (Holding _ = EntryLocks.lock(dir, name)) {
            unlinkLocked(dir, name, directory, looked);
        }
    }

    private void unlinkLocked(Node dir, String name, boolean directory, FileStat looked) throws P9Exception {
        if (directory) {
            refuseShareRoot(dir, name, false);
            unlink(dir, name, AT_REMOVEDIR);
            return;
        }
        // A file that keeps another name (a link made elsewhere, into a hidden subtree say) lives on while a handle
        // reached by this name is known by a removed one: as after a rename, no remembered path of it may be used
        // past the unlink. One statx: a link made between the look and the unlink is the requester's own race, and
        // whoever can make that link can copy the file anyway.
        boolean keepsAName = (looked != null ? looked : Inodes.statAt(dir, name)).nlink() > 1;
        unlink(dir, name, 0);
        if (keepsAName) {
            OpenShares.renaming(share, dir, dir);
        }
    }

    private static void unlink(Node dir, String name, int flags) throws P9Exception {
        HostMoves.own(
                dir,
                name,
                HostMoves.IN_DELETE,
                () -> dir.use(fd -> {
                    LinuxSyscalls.unlinkat(fd, name, flags);
                    return null;
                }));
    }

    /**
     * A share's directory, and every directory above it, is a mount point to the share's guests: renaming or removing
     * it is EBUSY, as the kernel answers for a mount point (adversarial.NestedShareRootSwapAttackTest: a VM whose
     * share held another share's directory swapped it for a symlink to a host directory, served after a restart).
     *
     * @param mayBeMissing a name that does not exist is no share root (a rename's destination), else ENOENT
     */
    private static void refuseShareRoot(Node dir, String name, boolean mayBeMissing) throws P9Exception {
        FileStat entry;
        try {
            entry = Inodes.statAt(dir, name);
        } catch (P9Exception e) {
            if (mayBeMissing && e.errno() == Errno.ENOENT) {
                return;
            }
            throw e;
        }
        if (entry.type() == FileType.DIRECTORY && OpenShares.holdsShareRoot(entry.key())) {
            throw new P9Exception(Errno.EBUSY, name + " holds the directory of a share");
        }
    }

    /**
     * Tremove: unlinks the handle's file at {@code decided}, the share path the request was decided on (as rename);
     * {@code looked} as for {@link #unlinkAt(Node, String, boolean, FileStat)} (the entry is the same inode).
     */
    public void remove(Node node, String decided, FileStat looked) throws P9Exception {
        try (ShareRoot.Location at = share.locate(node, decided);
                Holding _ = EntryLocks.lock(at.parent(), at.name())) {
            // Looked at again under the entry's lock: a rename onto the name since locate's look put another file
            // there, which this removal of the fid's file must not unlink (ENOENT, as locate answers).
            FileStat now = Inodes.statAt(at.parent(), at.name());
            if (!now.key().equals(node.key())) {
                throw new P9Exception(Errno.ENOENT, "entry no longer names the file");
            }
            Runnable hook = whileRemoving;
            if (hook != null) {
                hook.run();
            }
            unlinkLocked(at.parent(), at.name(), node.isDirectory(), looked != null ? looked : now);
        }
    }
}
