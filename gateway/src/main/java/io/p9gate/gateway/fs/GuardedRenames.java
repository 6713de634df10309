package io.p9gate.gateway.fs;

import static io.p9gate.gateway.fs.ChokePoint.NO_BYTES;
import static io.p9gate.gateway.fs.GuardedFs.child;
import static io.p9gate.gateway.fs.GuardedFs.entryPath;

import io.p9gate.gateway.backend.FileType;
import io.p9gate.gateway.backend.Inodes;
import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.backend.ShareRoot;
import io.p9gate.gateway.fs.ChokePoint.RequestPaths;
import io.p9gate.gateway.proto.P9Exception;
import java.util.List;

/** Trename, Trenameat and a Twstat's new name: one RENAME decision each, on the source and the destination. */
final class GuardedRenames extends GuardedRequests {
    GuardedRenames(GuardContext context) {
        super(context);
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
        renameDecided(who, share, paths, args, replaces -> {
            // At the path decided on: the file may have been moved (into a hidden subtree, say) since. Found first,
            // so that the quota's look holds both names' locks (QuotaUnlinkRenameRaceAttackTest).
            try (ShareRoot.Location at = share.root().locate(node, paths.get().getFirst())) {
                movingHeld(
                        share,
                        node,
                        at,
                        newDir,
                        newName,
                        paths,
                        replaces,
                        replace -> share.entries().rename(node, at, newDir, newName, replace && mayReplace));
            }
        });
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
                movingHeld(
                        share,
                        node,
                        at,
                        dir,
                        newName,
                        paths,
                        replaces,
                        replace -> share.entries()
                                .renameAt(
                                        dir,
                                        at.name(),
                                        dir,
                                        newName,
                                        replace && mayReplace,
                                        node.isDirectory(),
                                        node.key()));
            }
        });
    }

    /**
     * A fid's file, found {@code at} the path its rename was decided on, renamed to {@code newName} in {@code newDir}
     * (the decided destination: {@code paths}' second): accounted as a move between those names.
     */
    private void movingHeld(
            LocalShare share,
            Node node,
            ShareRoot.Location at,
            Node newDir,
            String newName,
            RequestPaths paths,
            boolean replaces,
            QuotaAccounting.Rename rename)
            throws P9Exception {
        quota.moving(
                share.name(),
                QuotaAccounting.held(share, node, at),
                QuotaAccounting.named(newDir, newName, paths.at(1)),
                replaces,
                rename);
    }

    /** Whether {@code handle} is its share's root (no system call: the guest walked there, it knows). */
    public boolean isShareRoot(FileHandle handle) {
        return handle.share().root().isRoot(handle.node());
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
        renameDecided(
                who,
                share,
                paths,
                args,
                replaces -> quota.moving(
                        share.name(),
                        QuotaAccounting.named(oldDir, oldName, paths.at(0)),
                        QuotaAccounting.named(newDir, newName, paths.at(1)),
                        replaces,
                        replace -> share.entries().renameAt(oldDir, oldName, newDir, newName, replace, directory)));
    }

    /** A rename as the backend does it: {@code replace} says whether it may replace what has the new name. */
    @FunctionalInterface
    private interface Renaming {
        void rename(boolean replace) throws P9Exception;
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

    /** Whether {@code name} in {@code dir} is a directory; false where it cannot be looked at (the call says why). */
    private static boolean isDirectoryAt(Node dir, String name) {
        try {
            return Inodes.statAt(dir, name).type() == FileType.DIRECTORY;
        } catch (P9Exception unreadable) {
            return false;
        }
    }
}
