package io.p9gate.gateway.backend;

import static io.p9gate.gateway.backend.LinuxSyscalls.O_PATH;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;

/**
 * A handle's path in one share for policy and audit: the path it remembers while no rename can have moved it, else
 * the kernel's ({@link KernelPaths}), remembered in turn where it is safe to; never used to reach a file. The
 * contracts are on {@link ShareRoot}'s methods of the same names.
 */
final class SharePaths {
    private final ShareRoot share;
    private final KernelPaths kernel;

    SharePaths(ShareRoot share, KernelPaths kernel) {
        this.share = share;
        this.kernel = kernel;
    }

    /** {@link ShareRoot#relativePath}. */
    String relativePath(Node node) throws P9Exception {
        try {
            return placedPath(node);
        } catch (RemovedName e) {
            return e.removedPath();
        }
    }

    /** {@link ShareRoot#closingPath}. */
    String closingPath(Node node) throws P9Exception {
        try {
            return relativePath(node);
        } catch (P9Exception e) {
            String known = node.lastLearnedPath();
            if (e.errno() != Errno.EACCES || known == null) {
                throw e;
            }
            return known;
        }
    }

    /** {@link ShareRoot#placedPath}. */
    String placedPath(Node node) throws P9Exception {
        if (share.isRoot(node)) {
            return "";
        }
        long epoch = share.renames().now();
        String known = node.pathAt(epoch);
        if (known != null) {
            return known;
        }
        String path = currentPath(node);
        learnKernelPath(node, path, epoch);
        return path;
    }

    /** {@link ShareRoot#currentPath}. */
    String currentPath(Node node) throws P9Exception {
        return currentPath(node, node.lastLearnedPath());
    }

    /**
     * As {@link #currentPath(Node)}; {@code guess} (the path a request expects it at, may be null) names each
     * directory to look up first if the kernel must be asked by climbing.
     */
    private String currentPath(Node node, String guess) throws P9Exception {
        if (share.isRoot(node)) {
            return "";
        }
        try {
            return kernel.kernelRelativePath(node, guess);
        } catch (P9Exception e) {
            if (e.errno() == Errno.EACCES) {
                OpenShares.hostMovedIn(share);
            }
            throw e;
        }
    }

    /** {@link ShareRoot#checkedPath}. */
    String checkedPath(Node node, String expected) throws P9Exception {
        long epoch = share.renames().now();
        String now = currentPath(node, expected);
        if (now.equals(expected) && !share.isRoot(node)) {
            learnKernelPath(node, now, epoch);
        }
        return now;
    }

    /** {@link ShareRoot#confirmedPath}. */
    String confirmedPath(Node node) throws P9Exception {
        if (share.isRoot(node)) {
            return "";
        }
        long epoch = share.renames().now();
        String now;
        try {
            now = currentPath(node);
        } catch (P9Exception e) {
            if (e.errno() != Errno.ENAMETOOLONG) {
                throw e;
            }
            return relativePath(node);
        }
        String known = node.pathAt(epoch);
        if (known != null && !known.equals(now)) {
            OpenShares.hostMovedIn(share);
        } else {
            learnKernelPath(node, now, epoch);
        }
        return now;
    }

    /** {@link ShareRoot#requireAt}. */
    void requireAt(Node dir, String expected) throws P9Exception {
        if (!currentPath(dir, expected).equals(expected)) {
            OpenShares.hostMovedIn(share);
            throw new P9Exception(Errno.ENOENT, "the host moved " + expected);
        }
    }

    /**
     * Remembers {@code path}, the kernel's answer for {@code node} read under {@code epoch}; where host moves are
     * watched, only once every directory on it is ({@link #watchedAlong}): a move by the host into a directory
     * nothing watched, then of that directory, would otherwise go unseen. One lookup per level, once per handle after
     * each advance of the counter; none while the counter stays, not even after a descent that failed (no room left
     * for its watches): before, two branches each within the cap but not both made every request on a handle in
     * one descend its branch again to fail at the same level (backend.TwoDeepBranchesAttackTest).
     */
    private void learnKernelPath(Node node, String path, long epoch) {
        if (path.equals(node.pathAt(epoch))) {
            return; // remembered already (a change's kernel check that found it where it was): nothing to watch anew
        }
        if (!share.watchesMoves()) {
            node.learnPath(path, epoch);
        } else if (!node.unwatchableAt(epoch)) {
            if (watchedAlong(node, path)) {
                node.learnPath(path, epoch);
            } else {
                node.unwatchable(epoch); // asks the kernel at each request, as before, without the descent
            }
        }
    }

    /**
     * Whether {@code path} names {@code node}, found by confined lookups from the root, each directory watched before
     * the name in it is looked up (as a walk does): a move by the host of any of its names after that is seen. Never
     * a start over: a path through more directories than the share may watch (or than it has room left for) is not
     * remembered, and its handle asks the kernel at each request, as one past its path budget does; starting over
     * there made every request on the handle remove and re-add the share's watches.
     */
    private boolean watchedAlong(Node node, String path) {
        String[] names = path.split("/", -1);
        if (HostMoves.pastCap(names.length)) {
            return false; // the root and each directory below it: more watches than the share may hold
        }
        Node dir;
        try {
            dir = share.root();
        } catch (P9Exception e) {
            return false;
        }
        try {
            for (int i = 0; ; i++) {
                if (!HostMoves.watchWithinCap(share, dir)) {
                    return false;
                }
                String name = names[i];
                if (i == names.length - 1) {
                    return Inodes.statAt(dir, name).key().equals(node.key());
                }
                Node from = dir;
                Node next = ConfinedOpens.nodeOf(
                        Fd.open(() -> from.use(fd -> ConfinedOpens.openBeneath(fd, name, O_PATH, 0))));
                dir.close();
                dir = next;
            }
        } catch (P9Exception e) {
            return false; // not there any more, or no descriptor left: remembered nothing, asked again next time
        } finally {
            dir.close();
        }
    }
}
