package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;

/**
 * Handles opened through a name that is gone while their file lives on under another (R-POL-6). The kernel knows a
 * descriptor by the entry it was opened through; once that entry is unlinked or renamed over, /proc/self/fd names it
 * with " (deleted)" appended, whatever names the file keeps. Such a handle's path, and so the quota scopes its writes
 * count in, stay where the removed name was, so its file must not change scopes while it is open. Who removed the
 * name (this VM, another VM, the host) does not matter: the kernel is asked.
 */
final class LostNames {
    /** What the kernel appends to the path of a descriptor whose entry was removed. */
    static final String DELETED_SUFFIX = " (deleted)";

    private LostNames() {}

    /**
     * Whether the kernel may know {@code fd} by a removed name: its path ends with {@link #DELETED_SUFFIX} (so does a
     * live name ending with it, which cannot be told apart from here: yes), or cannot be read (beyond PATH_MAX: yes,
     * fail closed). A descriptor closed meanwhile holds nothing: no.
     */
    static boolean mayBeLost(Fd fd) {
        try {
            return fd.use(KernelPaths::kernelPath).endsWith(DELETED_SUFFIX);
        } catch (P9Exception e) {
            return e.errno() != Errno.EBADF;
        }
    }

    /**
     * Whether {@code node}, just opened by name as {@code stat}, holds a name removed meanwhile while its file keeps
     * another: its path ends with {@link #DELETED_SUFFIX} and the entry at that path (the host's, not followed if a
     * symlink) is not the file, though the file still has a name.
     */
    static boolean lost(Node node, FileStat stat) throws P9Exception {
        if (stat.type() != FileType.REGULAR || stat.nlink() == 0) {
            return false;
        }
        String path = node.use(KernelPaths::kernelPath);
        if (!path.endsWith(DELETED_SUFFIX)) {
            return false;
        }
        try {
            return !Inodes.statOfHostPath(path).key().equals(node.key());
        } catch (P9Exception e) {
            return true;
        }
    }
}
