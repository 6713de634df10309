package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.policy.protect.ShareReach;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tells a share whose directory the host took out of its tree while the gateway serves it: removed ({@code rm -rf} of
 * a VM's folder, maybe made again at its path by a provisioning script), or its file system unmounted ({@code umount
 * -l}: the gateway's open root keeps the mount busy, so only a lazy unmount succeeds, and it detaches the mount while
 * the root still reaches it). Share directories are opened once, at start, so the gateway still holds the directory:
 * removed, the kernel lets nothing be made in it; detached, writes go to a file system no host path reaches (a
 * tmpfs's are lost with the gateway's last handle, a device's written while the operator holds it unmounted). A new
 * Tattach of it is ESTALE (as an NFS server answers for a handle it can no longer place), and the operator is told
 * once per share, since only a restart serves the directory now at the path (a reload opens no share directory).
 * Before, a new mount attached it. A file system mounted over the directory is told the same way, since new
 * writes would go where no host path reaches; sessions attached before keep the directory they hold. So is an admin's
 * symlink on the configured path pointed at another directory (what a restart serves), and a path the gateway may
 * not look at where its mount is unknown (it cannot tell).
 */
final class RemovedShareDirectory {
    private static final System.Logger LOG = System.getLogger(RemovedShareDirectory.class.getName());
    /** What serves a removed or unmounted share again: a reload opens no share directory. */
    private static final String UNTIL_RESTART = "until a restart opens the directory at that path";

    private final String share;
    private final String directory;
    /** The mount the root was opened through ({@link MountIds}), looked for in the mount table. */
    private final long mountId;
    /** The root's kernel path at open: the configured path as the kernel names it (admin symlinks resolved). */
    private final String openedAt;
    /**
     * The root's kernel path where it was last found in the host's tree (at open, or after the host moved it, which
     * leaves it served): an attach that finds it there asks neither whether it was removed nor whether its mount is
     * still listed, only whether a mount hides it there.
     */
    private volatile String foundAt;

    /** Whether the operator was told of the refusals since the directory was last served (once, not per attach). */
    private final AtomicBoolean told = new AtomicBoolean();

    private final HostPaths paths;

    /** What is at a host path now: the kernel's answer, or a test's. */
    interface HostPaths {
        /** The stat of what {@code path} names, following symlinks if {@code follow}. */
        FileStat stat(String path, boolean follow) throws P9Exception;

        HostPaths KERNEL = (path, follow) -> follow ? Inodes.statFollowingHostPath(path) : Inodes.statOfHostPath(path);

        /** The text of the symlink at {@code path}, or null if it is no symlink; needs a search of its directory. */
        default String linkText(String path) throws P9Exception {
            try {
                return LinuxSyscalls.readlinkat(LinuxSyscalls.AT_FDCWD, path);
            } catch (P9Exception e) {
                if (e.errno() == Errno.EINVAL) {
                    return null;
                }
                throw e;
            }
        }
    }

    RemovedShareDirectory(String share, String directory, Node root, long mountId) {
        this(share, directory, root, mountId, HostPaths.KERNEL);
    }

    RemovedShareDirectory(String share, String directory, Node root, long mountId, HostPaths paths) {
        this.share = share;
        this.directory = directory;
        this.mountId = mountId;
        this.paths = paths;
        this.openedAt = kernelPath(root);
        this.foundAt = openedAt;
    }

    /**
     * Refuses an attach if {@code root}, the share's directory as the gateway holds it ({@code stat} its stat), is no
     * longer in the host's tree. A removed directory has a link count of 0, which alone is no proof on every file
     * system (a FUSE or network one reports what its server says), so it is confirmed by the kernel's " (deleted)"
     * mark on its path; a detached mount is no longer in the gateway's mount table. Either changes the root's path
     * (a detached mount's paths start at its own root), so neither is asked while the path is where it was. A path
     * that cannot be read (beyond PATH_MAX) serves the directory as before.
     *
     * <p>A file system mounted over the directory (or a directory above it) changes none of that: the root keeps its
     * path, now shadowed, and writes went where no host path reaches (OvermountedShareRootAttackTest). So the root's
     * path, configured or where the host moved it, is stat'ed: another file there is such a mount. A configured path
     * through an admin's symlink is stat'ed as configured, following it: one that now leads to another directory (the
     * symlink changed) names what a restart serves, so it is refused as a mount over it is; one that leads nowhere
     * (the symlink removed) leaves the directory served, as a moved one. A path the gateway may not search (EACCES,
     * EPERM: a guest may chmod 000 a directory of its share above a nested share's) is looked up in the mount table
     * instead ({@link #mountedOver}), and an admin's symlink on it by its text, read as far as the gateway may look
     * ({@link #leadsElsewhere}): one leading to another path than the root's at open is refused. One statx per Tattach (two when the
     * configured path does not lead to the root), which is rare (once per guest mount). A root the host moved stays
     * served while nothing is over it. Asked as the gateway ({@link LocalShare#attachRoot}): a guest's host user that
     * may not search the path would see nothing.
     */
    void requireReachable(Node root, FileStat stat) throws P9Exception {
        String path = kernelPath(root);
        if (path == null) {
            return;
        }
        boolean moved = !path.equals(openedAt);
        if (moved && !path.equals(foundAt)) {
            if (stat.nlink() == 0 && path.endsWith(LostNames.DELETED_SUFFIX)) {
                throw stale("its directory was removed on the host", "was removed on the host", UNTIL_RESTART);
            }
            if (mountId != MountIds.UNKNOWN && !SingleMounts.now().lists(mountId)) {
                throw stale(
                        "its file system was unmounted on the host; mount it again first",
                        "is on a file system unmounted on the host",
                        UNTIL_RESTART);
            }
        }
        // At its configured path or where the host moved it (still served, the share is its open directory), a mount
        // over it there shadows it just the same; a configured path through an admin's symlink is looked at as written.
        if (moved || directory.equals(openedAt)) {
            requireAt(path, stat);
        } else {
            Looked configured = look(directory, true);
            if (!configured.is(stat)) {
                requireAt(openedAt, stat);
                if (configured.found() || configured.refused() != null && leadsElsewhere(directory)) {
                    throw stale(
                            "its path now leads to another directory (an admin's symlink on it was changed)",
                            "now leads to another directory on the host",
                            "until its path leads to the served directory again or a restart opens the new one");
                }
            }
        }
        foundAt = path;
        told.set(false); // served again (a mount over it taken away): the next refusal is told again
    }

    /** Refuses unless the host's {@code path} is the root ({@code stat}): otherwise a mount hides it there. */
    private void requireAt(String path, FileStat stat) throws P9Exception {
        Looked looked = look(path, false);
        if (looked.refused() != null ? mountedOver(path, looked.refused()) : !looked.is(stat)) {
            throw stale(
                    "a file system was mounted over it on the host",
                    "is hidden by a file system mounted over it on the host",
                    "until that file system is unmounted (the directory is served again) or a restart opens the new one");
        }
    }

    /**
     * Where the gateway may not search {@code path} (unprivileged, a directory above made 0700, or 000 by a guest
     * whose share holds it: a nested share's), the mount table tells whether a file system is mounted over it. Only
     * without the root's mount, or the table, it cannot tell: refused. Before, every attach was refused, and a
     * guest of the outer share kept the nested share's VM from mounting it.
     */
    private boolean mountedOver(String path, Errno refused) throws P9Exception {
        if (mountId == MountIds.UNKNOWN) {
            throw unlookable(path, refused);
        }
        return SingleMounts.now().hides(mountId, path);
    }

    /**
     * Where the gateway may not follow the configured path (a directory on the way it may not search, as a guest's
     * chmod 000 of a nested share's parent makes it), whether the admin's symlinks on it, read as far as it may look
     * (readlink needs a search of the link's directory only) and the rest taken as written, lead to a path other than
     * the root's at open: the symlink was pointed elsewhere. A ".." past that point, a loop, or too many links cannot
     * be told: taken as elsewhere. One that leads nowhere is not (as a removed symlink's, the directory stays served).
     */
    private boolean leadsElsewhere(String path) throws P9Exception {
        Deque<String> rest = new ArrayDeque<>(List.of(path.split("/")));
        List<String> done = new ArrayList<>();
        int links = 0;
        while (!rest.isEmpty()) {
            String name = rest.removeFirst();
            if (name.isEmpty() || name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                if (!done.isEmpty()) {
                    done.removeLast();
                }
                continue;
            }
            String at = "/" + String.join("/", done) + (done.isEmpty() ? "" : "/") + name;
            String text;
            try {
                text = paths.linkText(at);
            } catch (P9Exception e) {
                if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR) {
                    return false;
                }
                if (e.errno() != Errno.EACCES && e.errno() != Errno.EPERM) {
                    throw unlookable(at, e.errno());
                }
                done.add(name); // beyond here, as written
                for (String unread : rest) {
                    if (unread.equals("..")) {
                        return true;
                    }
                    if (!unread.isEmpty() && !unread.equals(".")) {
                        done.add(unread);
                    }
                }
                break;
            }
            if (text == null) {
                done.add(name);
                continue;
            }
            if (++links > ShareReach.MAX_SYMLINKS) {
                return true;
            }
            List<String> target = List.of(text.split("/"));
            for (int i = target.size() - 1; i >= 0; i--) {
                rest.addFirst(target.get(i));
            }
            if (text.startsWith("/")) {
                done.clear();
            }
        }
        return !("/" + String.join("/", done)).equals(openedAt);
    }

    /** What a host path names: a file's stat, nothing (null), or the errno refusing the gateway a look. */
    private record Looked(FileStat stat, Errno refused) {
        Looked(FileStat stat) {
            this(stat, null);
        }

        boolean found() {
            return stat != null;
        }

        boolean is(FileStat root) {
            return stat != null && stat.key().equals(root.key());
        }
    }

    /**
     * What {@code path} names now: nothing where it leads nowhere (gone from the tree, a mount over a directory above
     * it, a symlink removed or looping), or the EACCES or EPERM refusing the gateway a look ({@link #mountedOver}).
     * Another errno is refused: it cannot tell whether a file system hides the directory there, and serving it anyway
     * wrote where no host path reaches.
     */
    private Looked look(String path, boolean follow) throws P9Exception {
        try {
            return new Looked(paths.stat(path, follow));
        } catch (P9Exception e) {
            if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR || e.errno() == Errno.ELOOP) {
                return new Looked(null);
            }
            if (e.errno() == Errno.EACCES || e.errno() == Errno.EPERM) {
                return new Looked(null, e.errno());
            }
            throw unlookable(path, e.errno());
        }
    }

    /** The ESTALE where the gateway cannot tell whether a file system hides the directory at {@code path}. */
    private P9Exception unlookable(String path, Errno errno) {
        return stale(
                "the gateway may not look at " + path + " (" + errno + ") to tell whether it is still there",
                "cannot be looked at on the host",
                "until the gateway may look at that path again");
    }

    /** The ESTALE refusing an attach, the operator told once per refusal spell. */
    private P9Exception stale(String toOperator, String toGuest, String until) {
        if (!told.getAndSet(true)) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "share '%s' (%s): %s; new attaches are refused (ESTALE) %s"
                            .formatted(share, directory, toOperator, until));
        }
        return new P9Exception(Errno.ESTALE, "share directory " + directory + " " + toGuest);
    }

    private static String kernelPath(Node root) {
        try {
            return root.use(KernelPaths::kernelPath);
        } catch (P9Exception e) {
            return null;
        }
    }
}
