package io.p9gate.gateway.backend;

import static io.p9gate.gateway.backend.LinuxSyscalls.AT_EMPTY_PATH;
import static io.p9gate.gateway.backend.LinuxSyscalls.AT_FDCWD;
import static io.p9gate.gateway.backend.LinuxSyscalls.AT_REMOVEDIR;
import static io.p9gate.gateway.backend.LinuxSyscalls.AT_SYMLINK_FOLLOW;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.charset.StandardCharsets;

/**
 * Directory-entry operations of one share: create, mkdir, symlink, mknod, link, rename, unlink.
 * Each names its target as (directory handle, single checked name); nothing is resolved by path.
 */
public final class Entries {
    private final ShareRoot share;

    public Entries(ShareRoot share) {
        this.share = share;
    }

    public Node mkdir(Node dir, String name, int mode) throws P9Exception {
        Names.check(name);
        dir.use(fd -> {
            LinuxSyscalls.mkdirat(fd, name, mode & 07777);
            return null;
        });
        return CreateModes.exact(share.lookup(dir, name), mode);
    }

    public Node symlink(Node dir, String name, String target) throws P9Exception {
        Names.check(name);
        if (target.isEmpty() || target.indexOf('\0') >= 0) {
            throw new P9Exception(Errno.EINVAL, "invalid symlink target");
        }
        // The target is stored as text and never followed by the gateway (ShareRoot refuses symlinks).
        dir.use(fd -> {
            LinuxSyscalls.symlinkat(target, fd, name);
            return null;
        });
        return share.lookup(dir, name);
    }

    /**
     * Creates a regular file, fifo or socket. Never a device node (R-CONF-2): a real one in a host folder
     * would give any host process that reads the share the host's device; see {@link #mknodMapped}.
     */
    public Node mknod(Node dir, String name, int mode, int major, int minor) throws P9Exception {
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
        dir.use(fd -> {
            LinuxSyscalls.mknodat(fd, name, type.modeBits() | (mode & 07777), dev);
            return null;
        });
        return CreateModes.exact(share.lookup(dir, name), mode);
    }

    /**
     * Stores a guest's special file mapped: an empty regular file of mode 0600 carrying the device in its
     * {@link MappedSpecialFile#XATTR} xattr. If the xattr cannot be written (a filesystem without user xattrs) the
     * file is removed again and the request fails.
     */
    public Node mknodMapped(Node dir, String name, MappedSpecialFile special) throws P9Exception {
        Names.check(name);
        dir.use(fd -> {
            LinuxSyscalls.mknodat(fd, name, FileType.REGULAR.modeBits() | MappedSpecialFile.HOST_PERMS, 0);
            return null;
        });
        Node node = null;
        try {
            node = share.lookup(dir, name);
            Xattrs.set(
                    node,
                    MappedSpecialFile.XATTR,
                    special.encode().getBytes(StandardCharsets.US_ASCII),
                    Xattrs.XATTR_CREATE);
            return node;
        } catch (P9Exception | RuntimeException e) {
            if (node != null) {
                node.close();
            }
            try {
                unlinkAt(dir, name, false);
            } catch (P9Exception ignored) {
                // The request fails either way; an empty 0600 file is all that can be left.
            }
            throw e;
        }
    }

    /** Hard-links a file the guest already holds a handle on: it can never name a file outside. */
    public void link(Node target, Node dir, String name) throws P9Exception {
        Names.check(name);
        if (target.isDirectory()) {
            throw new P9Exception(Errno.EPERM, "hard link to a directory");
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
    }

    /**
     * Trenameat. Without {@code replace} an existing {@code newName} is left alone and the rename fails with EEXIST
     * (RENAME_NOREPLACE: the host tells atomically whether the name exists, so nothing can appear in between).
     */
    public void renameAt(Node oldDir, String oldName, Node newDir, String newName, boolean replace) throws P9Exception {
        Names.check(oldName);
        Names.check(newName);
        refuseShareRoot(oldDir, oldName, false);
        if (replace) {
            refuseShareRoot(newDir, newName, true); // replacing an empty share root removes it as rmdir would
        }
        // A path a node of any share holding these directories learned may name a place this rename empties.
        OpenShares.renaming(share, oldDir, newDir);
        try {
            oldDir.use(ofd -> newDir.use(nfd -> {
                LinuxSyscalls.renameat2(ofd, oldName, nfd, newName, replace ? 0 : LinuxSyscalls.RENAME_NOREPLACE);
                return null;
            }));
        } finally {
            OpenShares.renaming(share, oldDir, newDir);
        }
    }

    /**
     * Trename: moves the file a handle names from {@code decided}, the share path the request was decided on, into
     * {@code newDir}; ENOENT if it is no longer there (not from wherever it went since: ShareRoot#locate(Node, String)).
     */
    public void rename(Node node, String decided, Node newDir, String newName, boolean replace) throws P9Exception {
        try (ShareRoot.Location at = share.locate(node, decided)) {
            renameAt(at.parent(), at.name(), newDir, newName, replace);
        }
    }

    public void unlinkAt(Node dir, String name, boolean directory) throws P9Exception {
        Names.check(name);
        if (directory) {
            refuseShareRoot(dir, name, false);
        }
        dir.use(fd -> {
            LinuxSyscalls.unlinkat(fd, name, directory ? AT_REMOVEDIR : 0);
            return null;
        });
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

    /** Tremove: unlinks the handle's file at {@code decided}, the share path the request was decided on (as rename). */
    public void remove(Node node, String decided) throws P9Exception {
        try (ShareRoot.Location at = share.locate(node, decided)) {
            unlinkAt(at.parent(), at.name(), node.isDirectory());
        }
    }
}
