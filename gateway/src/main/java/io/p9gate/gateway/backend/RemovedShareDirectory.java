package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tells a share whose directory the host removed while the gateway serves it ({@code rm -rf} of a VM's folder, maybe
 * made again at its path by a provisioning script). Share directories are opened once, at start, so the gateway holds
 * the removed directory, in which the kernel lets nothing be made: a new Tattach of it is ESTALE (as an NFS server
 * answers for a handle it can no longer place), and the operator is told once per share, since only a restart serves
 * the directory now at the path. Before, a new mount attached the removed directory: an empty share, every create
 * ENOENT, and nothing in the log said why.
 */
final class RemovedShareDirectory {
    private static final System.Logger LOG = System.getLogger(RemovedShareDirectory.class.getName());

    private final String share;
    private final String directory;
    private final AtomicBoolean told = new AtomicBoolean();

    RemovedShareDirectory(String share, String directory) {
        this.share = share;
        this.directory = directory;
    }

    /**
     * Refuses an attach if {@code root}, the share's directory as the gateway holds it ({@code stat} its stat), has no
     * name left. A link count of 0 alone is no proof on every file system (a FUSE or network one reports what its
     * server says), so it is confirmed by the kernel's " (deleted)" mark on the directory's path, read only
     * then; a path that cannot be read (beyond PATH_MAX) serves the directory as before.
     */
    void requireLinked(Node root, FileStat stat) throws P9Exception {
        if (stat.nlink() != 0 || !markedDeleted(root)) {
            return;
        }
        if (!told.getAndSet(true)) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "share '%s' (%s): its directory was removed on the host; new attaches are refused (ESTALE) until a restart opens the directory at that path"
                            .formatted(share, directory));
        }
        throw new P9Exception(Errno.ESTALE, "share directory " + directory + " was removed on the host");
    }

    private static boolean markedDeleted(Node root) {
        try {
            return root.use(KernelPaths::kernelPath).endsWith(LostNames.DELETED_SUFFIX);
        } catch (P9Exception e) {
            return false;
        }
    }
}
