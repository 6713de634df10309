package io.p9gate.gateway.fs;

import static io.p9gate.gateway.fs.ChokePoint.NO_BYTES;
import static io.p9gate.gateway.fs.PrePolicyRefusals.INVALID_FLAGS_RULE;
import static io.p9gate.gateway.fs.PrePolicyRefusals.UNSETTABLE_RULE;

import io.p9gate.gateway.backend.Inodes;
import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.fs.ChokePoint.Refusal;
import io.p9gate.gateway.fs.ChokePoint.RequestPaths;
import io.p9gate.gateway.fs.GuardedFs.Claim;
import io.p9gate.gateway.fs.GuardedFs.Described;
import io.p9gate.gateway.fs.GuardedFs.LinkText;
import io.p9gate.gateway.fs.GuardedFs.Stats;
import io.p9gate.gateway.fs.GuardedFs.Walked;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.StatFs;
import java.util.List;

/** Twalk and the requests about one file's metadata: Tgetattr, Tsetattr, Tstatfs, Treadlink. */
final class GuardedLookups extends GuardedRequests {
    GuardedLookups(GuardContext context) {
        super(context);
    }

    /** {@code claim}: the fid the walk replaces (newfid == fid), claimed if the whole walk resolved. */
    public Walked walk(Subject who, FileHandle handle, List<String> names, Claim claim) throws P9Exception {
        LocalShare share = handle.share();
        Node from = handle.node();
        // A walk with ".." is checked against the kernel step by step (Walks), so it starts from the kernel's path.
        RequestPaths paths = RequestPaths.of(
                () -> Walks.paths(names.contains("..") ? share.root().currentPath(from) : path(share, from), names));
        // A walk that stopped is answered with the qids it got, but what the guest asked for did not resolve; one
        // stopped by a hidden name walks only the names before it (ChokePoint#inspectWalk).
        return claiming(
                claim,
                () -> guard.inspectWalk(who, share.name(), paths, new RequestArgs.Walk(names), walking -> {
                    Walked walked = Walks.walk(
                            share, from, names.subList(0, walking), paths.get().subList(0, Math.max(1, walking)));
                    if (walking == names.size() && walked.handle() != null) {
                        try {
                            claim.claim();
                        } catch (P9Exception | RuntimeException e) {
                            walked.handle().close();
                            throw e;
                        }
                    }
                    return walked;
                }));
    }

    public Described getattr(Subject who, FileHandle handle) throws P9Exception {
        LocalShare share = handle.share();
        Node node = handle.node();
        RequestPaths paths = RequestPaths.of(() -> List.of(path(share, node)));
        return guard.inspect(
                Operation.GETATTR,
                who,
                share.name(),
                paths,
                RequestArgs.NONE,
                () -> {
                    String path = paths.get().getFirst();
                    return new Described(shownAttr(who, share, node, path), path);
                },
                NO_BYTES);
    }

    public void setattr(Subject who, FileHandle handle, SetAttr asked) throws P9Exception {
        LocalShare share = handle.share();
        Node node = handle.node();
        long moves = quota.moves(); // before the decision reads the path (see QuotaAccounting.resizing)
        RequestPaths paths = RequestPaths.of(() -> List.of(hostPath(share, node)));
        if ((asked.valid() & ~SetAttr.SETATTR_DEFINED) != 0) {
            // Bits 9P2000.L does not define change nothing: answered Rsetattr, the guest and the record would say
            // changes were made (adversarial.SetattrUndefinedBitsAttackTest).
            throw refusedAt(
                    Operation.SETATTR,
                    who,
                    handle,
                    RequestArgs.SetAttr.of(asked),
                    new Refusal(Errno.EINVAL, INVALID_FLAGS_RULE, ""));
        }
        // Decided, recorded and made as the change it is (adversarial.ShownOwnerChownAttackTest).
        SetAttr attr = UnmappedOwners.leavingShownIds(ownershipIn(share), node, asked);
        RequestArgs args = RequestArgs.SetAttr.of(attr);
        requireOwnable(Operation.SETATTR, who, share, paths, args, UnmappedOwners.chowning(ownership.ids(), attr));
        changeIn(Operation.SETATTR, who, share, paths, args, () -> {
            // before any field changes: a refused Tsetattr changes nothing it can
            AttrChanges.check(node, attr, ownershipIn(share));
            AttrChanges.apply(
                    share.root(),
                    node,
                    attr,
                    ownershipIn(share),
                    who.uid(),
                    truncate ->
                            quota.resizing(share, node, paths.at(0), moves, before -> attr.size() - before, truncate));
            return DONE;
        });
    }

    /**
     * Refuses the fields of {@code attr} the file cannot take, as {@link #setattr} would before changing any, and a
     * size past the quota, which it refuses before changing any other: for a Twstat, which renames first, so that
     * such a field leaves the file unrenamed (stat(5): all or nothing). No request of its own: the caller decided a
     * getattr of the file first; but an owner the VM's map does not map is refused as the Tsetattr would refuse it,
     * recorded. The Tsetattr checks again (a write may take the room meanwhile). The policy is asked the Tsetattr's
     * own question too, at the path the file will have once named {@code newName}: refused there (a deny of SETATTR,
     * or of OPEN_WRITE for a length, on the new name), the rename was made and the guest told it failed.
     */
    public void requireSettable(Subject who, FileHandle handle, SetAttr asked, String newName) throws P9Exception {
        LocalShare share = handle.share();
        Node node = handle.node();
        SetAttr attr = UnmappedOwners.leavingShownIds(ownershipIn(share), node, asked);
        try {
            AttrChanges.check(node, attr, ownershipIn(share));
            if (attr.has(SetAttr.SETATTR_SIZE)) {
                quota.requireRoom(share, node, attr.size());
            }
        } catch (P9Exception e) {
            // No SETATTR is decided before the rename: recorded here, else the getattr's allowed record is the last.
            throw refusedAt(
                    Operation.SETATTR,
                    who,
                    handle,
                    RequestArgs.SetAttr.of(attr),
                    new Refusal(e.errno(), UNSETTABLE_RULE, ""));
        }
        requireOwnable(
                Operation.SETATTR,
                who,
                share,
                () -> List.of(hostPath(share, node)),
                RequestArgs.SetAttr.of(attr),
                UnmappedOwners.chowning(ownership.ids(), attr));
        // A name no entry can have, and the share root's rename, are the rename's to refuse: nothing is renamed.
        if (isEntryName(newName) && !share.root().isRoot(node)) {
            guard.requireAllowed(
                    Operation.SETATTR,
                    who,
                    share.name(),
                    () -> List.of(GuardedFs.child(GuardedFs.entryPath(hostPath(share, node), ".."), newName)),
                    RequestArgs.SetAttr.of(attr));
        }
    }

    /**
     * The host's figures, or this VM's quota where one contains the handle's path (see {@link QuotaStatFs}): the path
     * decided and recorded, not looked up again, which a rename meanwhile would place in another quota's scope
     * (StatfsDecidedScopeTest).
     */
    public StatFs statfs(Subject who, FileHandle handle) throws P9Exception {
        LocalShare share = handle.share();
        Node node = handle.node();
        RequestPaths paths = RequestPaths.of(() -> List.of(path(share, node)));
        return guard.inspect(
                        Operation.STATFS,
                        who,
                        share.name(),
                        paths,
                        RequestArgs.NONE,
                        () -> new Stats(QuotaStatFs.shown(
                                Inodes.statfs(node),
                                quota.room(share.name(), paths.get().getFirst()))),
                        NO_BYTES)
                .stats();
    }

    /**
     * The target of a symlink; EIO ({@link LinkTargetTooLong}) for a target of more than {@code maxTargetBytes}: the
     * reply could not carry it, and the record must say what the guest gets.
     */
    public String readlink(Subject who, FileHandle handle, int maxTargetBytes) throws P9Exception {
        Node node = handle.node();
        return inspectAt(
                        Operation.READLINK,
                        who,
                        handle,
                        RequestArgs.NONE,
                        () -> new LinkText(LinkTargetTooLong.fitting(Inodes.readlink(node), maxTargetBytes)),
                        NO_BYTES)
                .target();
    }
}
