package io.p9gate.gateway.fs;

import static io.p9gate.gateway.fs.GuardedFs.child;
import static io.p9gate.gateway.fs.GuardedFs.qid;

import io.p9gate.gateway.backend.Entries;
import io.p9gate.gateway.backend.FileStat;
import io.p9gate.gateway.backend.FileType;
import io.p9gate.gateway.backend.Inodes;
import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.MappedSpecialFile;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.fs.ChokePoint.RequestPaths;
import io.p9gate.gateway.fs.GuardedFs.Claim;
import io.p9gate.gateway.fs.GuardedFs.Walked;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import java.util.List;
import java.util.Optional;

/** Requests that make or remove a directory entry: Tmkdir, Tsymlink, Tmknod, Tlink, Tunlinkat, Tremove. */
final class GuardedEntries extends GuardedRequests {
    GuardedEntries(GuardContext context) {
        super(context);
    }

    private static final int SYMLINK_MODE = 0777;
    /** S_ISUID | S_ISGID. */
    private static final int SET_ID_BITS = 06000;

    public Qid mkdir(Subject who, FileHandle handle, String name, int askedMode, int gid) throws P9Exception {
        LocalShare share = handle.share();
        Node dir = handle.node();
        int mode = GuestModes.allowed(true, askedMode);
        RequestPaths paths = RequestPaths.of(() -> List.of(childOf(handle, name)));
        RequestArgs args = new RequestArgs.Make(name, GuestModes.made(true, askedMode), true, 0, 0);
        Subject creator = creator(who, dir, gid);
        requireOwnable(Operation.MKDIR, creator, share, paths, args, creating(creator));
        return making(
                        Operation.MKDIR,
                        creator,
                        share,
                        dir,
                        name,
                        paths,
                        args,
                        true,
                        finish -> share.entries().mkdir(dir, name, mode, finish),
                        mode,
                        Optional.empty())
                .qids()
                .getFirst();
    }

    public Qid symlink(Subject who, FileHandle handle, String name, String target, int gid) throws P9Exception {
        return symlink(who, handle, name, target, gid, Optional.empty()).qids().getFirst();
    }

    /**
     * As {@link #symlink(Subject, FileHandle, String, String, int)}; with {@code onto}, the fid it claims becomes the
     * new entry ({@link #making}).
     */
    public Walked symlink(Subject who, FileHandle handle, String name, String target, int gid, Optional<Claim> onto)
            throws P9Exception {
        LocalShare share = handle.share();
        Node dir = handle.node();
        RequestPaths paths = RequestPaths.of(() -> List.of(childOf(handle, name)));
        RequestArgs args = new RequestArgs.Symlink(name, target);
        Subject creator = creator(who, dir, gid);
        requireOwnable(Operation.SYMLINK, creator, share, paths, args, creating(creator));
        return making(
                Operation.SYMLINK,
                creator,
                share,
                dir,
                name,
                paths,
                args,
                false,
                finish -> share.entries().symlink(dir, name, target, finish),
                SYMLINK_MODE,
                onto);
    }

    /**
     * Regular files are made as asked. A character or block device never becomes a host device node (R-CONF-2):
     * refused with EPERM, or in a {@code devices: mapped} share stored as an inert {@link MappedSpecialFile} that
     * the guest sees as its device. Such a share maps fifos and sockets too (no host reader can block on a fifo a
     * guest planted, and the guest keeps the set-id bits it gives them); elsewhere they are made as asked.
     */
    public Qid mknod(Subject who, FileHandle handle, String name, int askedMode, int major, int minor, int gid)
            throws P9Exception {
        return mknod(who, handle, name, askedMode, major, minor, gid, Optional.empty())
                .qids()
                .getFirst();
    }

    /** As {@link #mknod(Subject, FileHandle, String, int, int, int, int)}; {@code onto} as for {@link #making}. */
    public Walked mknod(
            Subject who,
            FileHandle handle,
            String name,
            int askedMode,
            int major,
            int minor,
            int gid,
            Optional<Claim> onto)
            throws P9Exception {
        LocalShare share = handle.share();
        Node dir = handle.node();
        int mode = GuestModes.allowed(false, askedMode); // mknod never makes a directory
        RequestPaths paths = RequestPaths.of(() -> List.of(childOf(handle, name)));
        Optional<MappedSpecialFile> special = MappedSpecialFile.requested(mode, major, minor, vm);
        ShareSafety.Settings settings = safety.of(share.name());
        boolean mapped = special.isPresent() && settings.mapsDevices();
        // A mapped special file is a regular file on the host: it keeps set-id bits for the guest as a chmod's are.
        int made = mapped ? mode | (askedMode & SET_ID_BITS) : mode;
        RequestArgs args = new RequestArgs.Make(name, made, false, major, minor);
        // Before the device refusal, as Linux's may_create comes before vfs_mknod's CAP_MKNOD check.
        Subject creator = creator(who, dir, gid);
        requireOwnable(Operation.MKNOD, creator, share, paths, args, creating(creator));
        if (!mapped && special.isPresent() && special.get().type().isDevice()) {
            throw guard.refusedByShare(
                    Operation.MKNOD, creator, share.name(), paths, args, Errno.EPERM, settings.devicesRule());
        }
        Making make = mapped
                ? finish -> share.entries().mknodMapped(dir, name, special.get(), (node, stat) -> {
                    finish.apply(node, stat);
                    SetIdBits.created(share.root(), node, askedMode, ownershipIn(share));
                })
                : finish -> share.entries().mknod(dir, name, mode, major, minor, finish);
        int hostMode = mapped ? MappedSpecialFile.HOST_PERMS : mode;
        return making(Operation.MKNOD, creator, share, dir, name, paths, args, false, make, hostMode, onto);
    }

    /**
     * The group a create naming none gives its file and acts as (9P2000 and 9P2000.u; create(5): the directory's,
     * {@code dirGid} as the guest sees it). Where the share enforces host permissions the create acts on the host as
     * its guest user and this group, so the directory's would let a user outside it create where only that group may
     * write; there it is the request's own ({@code who}'s, guest 65534 as for every request naming none), or the
     * directory's where that is set-gid, the group the Linux client's 9P2000.L create names then. A directory group
     * the VM's map does not cover (host root's, another VM's) shows as the overflow id, no group of the VM's: then it
     * is the request's own too, as while the overflow id was 65534, not a refusal. No request of its own: the
     * caller's getattr of the directory was decided.
     */
    public int groupOfUnnamedCreate(Subject who, FileHandle dir, int dirGid, int dirMode) {
        boolean setGid = (dirMode & 02000) != 0;
        boolean directorys = !safety.of(dir.share().name()).enforcesPermissions() || setGid;
        return directorys && ownership.ids().mayOwnGid(dirGid) ? dirGid : who.gid();
    }

    /** Tlink: {@code linked} gets the new name {@code name} in the directory {@code handle}. */
    public void link(Subject who, FileHandle handle, FileHandle linked, String name) throws P9Exception {
        link(who, handle, linked, name, Optional.empty());
    }

    /**
     * As {@link #link(Subject, FileHandle, FileHandle, String)}; with {@code onto}, the fid it claims becomes the
     * linked file under the one LINK decision (a 9P2000.u Tcreate of a hard link, as {@link #making}).
     */
    public Walked link(Subject who, FileHandle handle, FileHandle linked, String name, Optional<Claim> onto)
            throws P9Exception {
        RequestArgs args = new RequestArgs.EntryNames(List.of(name));
        requireOneShare(Operation.LINK, who, linked, () -> hostPath(linked), handle, () -> childOf(handle, name), args);
        LocalShare share = handle.share();
        Node dir = handle.node();
        Node target = linked.node();
        RequestPaths paths = RequestPaths.of(() -> List.of(hostPath(share, target), child(hostPath(share, dir), name)));
        return claiming(
                onto.orElse(GuardedFs.NO_CLAIM),
                () -> changeIn(Operation.LINK, who, share, paths, args, () -> {
                    quota.linking(share, target, QuotaAccounting.named(dir, name, paths.at(1)), () -> {
                        share.entries().link(target, dir, name);
                        return null;
                    });
                    return onto.isPresent()
                            ? entered(share, linkedAs(share, dir, name, target), onto, "linked")
                            : new Walked(List.of(), null, null);
                }));
    }

    public void unlinkat(Subject who, FileHandle handle, String name, boolean directory) throws P9Exception {
        LocalShare share = handle.share();
        Node dir = handle.node();
        RequestPaths paths = RequestPaths.of(() -> List.of(childOf(handle, name)));
        RequestArgs.Unlink args = new RequestArgs.Unlink(name, directory);
        if (directory && isEntryName(name)) { // else refused as the name it is, by the guarded call
            refuseHoldingHidden(who, share, paths, args, () -> Inodes.statAt(dir, name));
        }
        changeIn(Operation.REMOVE, who, share, paths, args, () -> {
            quota.removing(
                    share.name(),
                    QuotaAccounting.named(dir, name, paths.at(0)),
                    looked -> share.entries().unlinkAt(dir, name, directory, looked));
            return DONE;
        });
    }

    public void remove(Subject who, FileHandle handle) throws P9Exception {
        remove(who, handle, RequestArgs.NONE);
    }

    /**
     * Tremove through a Txattrcreate fid: the file is removed as by any Tremove, one decision, and the value being
     * written is not set, allowed or not (setting it would be a second decision for one request; the file it was
     * for goes). The record names the value dropped.
     */
    public void removeDropping(Subject who, FileHandle handle, PendingXattr dropped) throws P9Exception {
        remove(who, handle, new RequestArgs.RemoveDroppingXattr(dropped.name()));
    }

    private void remove(Subject who, FileHandle handle, RequestArgs args) throws P9Exception {
        LocalShare share = handle.share();
        Node node = handle.node();
        RequestPaths paths = RequestPaths.of(() -> List.of(hostPath(share, node)));
        refuseHoldingHidden(who, share, paths, args, () -> Inodes.stat(node));
        changeIn(Operation.REMOVE, who, share, paths, args, () -> {
            // At the path decided on, as rename.
            quota.removing(
                    share.name(),
                    QuotaAccounting.held(share, node),
                    looked -> share.entries().remove(node, paths.get().getFirst(), looked));
            return DONE;
        });
    }

    /** The host's stat of what an rmdir would remove. */
    @FunctionalInterface
    private interface Target {
        FileStat stat() throws P9Exception;
    }

    /**
     * An rmdir (or Tremove) of a directory that directly holds a name the policy hides from the guest is refused,
     * ENOTEMPTY, whether or not the host has anything under that name: the directory looks empty to the guest, and
     * an rmdir that failed only where a hidden entry exists told that it does (R-POL-4). Recorded by the rule
     * {@link HiddenEntries#RULE}, after the policy's own refusal (which comes first). A name that is missing, or
     * not a directory, is left to the host to answer, as for any other; so is a path the request cannot name.
     */
    private void refuseHoldingHidden(Subject who, LocalShare share, RequestPaths paths, RequestArgs args, Target target)
            throws P9Exception {
        String path;
        try {
            path = paths.get().getFirst();
        } catch (P9Exception unnamed) {
            return; // the guarded call refuses it, recorded
        }
        if (hidden.in(who, share.name(), path).isEmpty()) {
            return;
        }
        try {
            if (target.stat().type() != FileType.DIRECTORY) {
                return;
            }
        } catch (P9Exception notThere) {
            return;
        }
        throw guard.refusedByShare(
                Operation.REMOVE, who, share.name(), paths, args, Errno.ENOTEMPTY, HiddenEntries.RULE);
    }

    /** A backend call making an entry, which {@code finish} gives its owner before any guest can reach it. */
    @FunctionalInterface
    private interface Making {
        Node make(Entries.Finish finish) throws P9Exception;
    }

    /**
     * Tmkdir, Tsymlink, Tmknod: the new entry at the request's path, given to the guest user; its qid. With
     * {@code onto} (a 9P2000.u Tcreate of a special file: create(5) makes the fid the new file) the fid that claim
     * holds becomes the new entry under this one decision, as a Tlcreate's becomes its file under CREATE: a walk
     * decided after the make, as WALK, was refused where the VM may make but not walk (a drop box), and answered
     * EACCES for an entry it had made (adversarial.DropBoxSpecialCreateAttackTest).
     */
    private Walked making(
            Operation op,
            Subject creator,
            LocalShare share,
            Node dir,
            String name,
            RequestPaths paths,
            RequestArgs args,
            boolean directory,
            Making create,
            int mode,
            Optional<Claim> onto)
            throws P9Exception {
        return claiming(
                onto.orElse(GuardedFs.NO_CLAIM),
                () -> changeIn(
                        op,
                        creator,
                        share,
                        paths,
                        args,
                        () -> entered(
                                share,
                                quota.creating(
                                        share.name(),
                                        QuotaAccounting.named(dir, name, paths.at(0)),
                                        directory,
                                        () -> create.make(givenTo(creator, mode))),
                                onto,
                                "created")));
    }

    /**
     * The file a hard link just made, by its new name: a handle on the linked inode itself names it by the name it
     * was reached by. A name the host replaced meanwhile is no longer the link: ENOENT, the link made. So is a
     * look-up that fails after the link (the VM out of descriptors, EMFILE; the name removed): the record says it
     * was made (adversarial.LinkCreateOutOfDescriptorsAttackTest).
     */
    private static Node linkedAs(LocalShare share, Node dir, String name, Node linked) throws P9Exception {
        Node node;
        try {
            node = share.root().find(dir, name).node();
        } catch (P9Exception e) {
            throw new PartlyApplied(e, "applied=linked");
        }
        if (!node.key().equals(linked.key())) {
            node.close();
            throw new PartlyApplied(
                    new P9Exception(Errno.ENOENT, name + " no longer names the linked file"), "applied=linked");
        }
        return node;
    }

    /**
     * The qid of {@code node}, a new entry (one inode of quota) or a newly linked file, and, with {@code onto}, a
     * handle on it for the fid that claim holds; without, the node is let go of. A claim that fails (the fid was
     * clunked meanwhile) leaves what was made, and the record says so ({@code applied}).
     */
    private Walked entered(LocalShare share, Node node, Optional<Claim> onto, String applied) throws P9Exception {
        try {
            List<Qid> qid = List.of(qid(share, node));
            if (onto.isEmpty()) {
                node.close();
                return new Walked(qid, null, null);
            }
            claimAfter(onto.get(), applied);
            return new Walked(qid, new FileHandle(share, node), null);
        } catch (P9Exception | RuntimeException e) {
            node.close();
            throw e;
        }
    }
}
