package io.p9gate.gateway.fs;

import static io.p9gate.gateway.fs.ChokePoint.NO_BYTES;
import static io.p9gate.gateway.fs.ChokePoint.NO_DATA;
import static io.p9gate.gateway.fs.GuardedFs.child;
import static io.p9gate.gateway.fs.PrePolicyRefusals.CROSS_SHARE_RULE;

import io.p9gate.gateway.backend.Entries;
import io.p9gate.gateway.backend.FileStat;
import io.p9gate.gateway.backend.Inodes;
import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.Names;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.backend.RemovedName;
import io.p9gate.gateway.fs.ChokePoint.BackendCall;
import io.p9gate.gateway.fs.ChokePoint.PathsOf;
import io.p9gate.gateway.fs.ChokePoint.Refusal;
import io.p9gate.gateway.fs.GuardedFs.Claim;
import io.p9gate.gateway.fs.GuardedFs.Done;
import io.p9gate.gateway.fs.GuardedFs.Result;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.util.List;

/**
 * What every group of guarded requests shares: the VM's {@link ChokePoint} and the state its requests are decided
 * and made with, and the helpers that name a request's paths and hand it to the choke point ({@link #inspectAt},
 * {@link #changeIn}). Sealed: the permitted groups are every class that serves a guest request, each through the
 * choke point (GatewayArchitectureTest).
 */
abstract sealed class GuardedRequests
        permits PrePolicyRefusals,
                GuardedSession,
                GuardedLookups,
                GuardedOpens,
                GuardedIo,
                GuardedListings,
                GuardedEntries,
                GuardedRenames,
                GuardedXattrs,
                GuardedLocks {
    static final Done DONE = new Done();

    final String vm;
    final ChokePoint guard;
    final HiddenEntries hidden;
    final Ownership ownership;
    final QuotaAccounting quota;
    final ShareSafety safety;

    GuardedRequests(GuardContext context) {
        this.vm = context.vm();
        this.guard = context.guard();
        this.hidden = context.hidden();
        this.ownership = context.ownership();
        this.quota = context.quota();
        this.safety = context.safety();
    }

    /**
     * Refuses, with {@code refusal} ({@link UnmappedOwners}; null for none) and recorded by the share's unmapped-owner
     * rule after the policy allowed it, a request that would give a file an owner or group the VM's map does not map.
     */
    void requireOwnable(Operation op, Subject who, LocalShare share, PathsOf paths, RequestArgs args, Errno refusal)
            throws P9Exception {
        if (refusal != null) {
            throw guard.refusedByShare(
                    op,
                    who,
                    share.name(),
                    paths,
                    args,
                    refusal,
                    safety.of(share.name()).unmappedOwnerRule());
        }
    }

    /**
     * Claims the fid of a request that may already have changed the host ({@code applied}: "created", "truncated", or
     * null for nothing): a claim refused then (the fid was clunked meanwhile) is the guest's EBADF, and its outcome
     * record adds {@code applied=...}, so the log never says a change failed that the host keeps.
     */
    static void claimAfter(Claim claim, String applied) throws P9Exception {
        try {
            claim.claim();
        } catch (P9Exception e) {
            throw applied == null ? e : new PartlyApplied(e, "applied=" + applied);
        }
    }

    /** A guarded request whose call ends in {@code claim}: a failure after it (its record) gives the fid back. */
    static <T> T claiming(Claim claim, BackendCall<T> request) throws P9Exception {
        try {
            return request.run();
        } catch (P9Exception | RuntimeException e) {
            claim.undo();
            throw e;
        }
    }

    /**
     * Who makes an entry {@code who} creates in {@code dir} naming {@code gid}: {@code who} acting as that group, or as
     * guest 65534, the group of requests naming none, where {@code gid} is the overflow id the Linux client names in a
     * set-gid directory of a group outside the VM's map ({@link UnmappedOwners#namesSetGidGroup}). Such a group is no
     * group of the VM's, often another VM's: the entry must not take it, whose users would get group access to it
     * (adversarial.CreatedInAnotherVmsSetGidDirectoryAttackTest), nor be refused, as it was once the overflow id was
     * no longer 65534 (adversarial.SetGidUnmappedGroupCreateAttackTest). A 9P2000.u Tcreate there takes the same
     * ({@link GuardedEntries#groupOfUnnamedCreate}).
     */
    Subject creator(Subject who, Node dir, int gid) {
        boolean unnamed = !ownership.ids().mayOwnGid(gid) && UnmappedOwners.namesSetGidGroup(ownership, dir, gid);
        return new Subject(who.uid(), unnamed ? Subject.NOBODY : gid);
    }

    /** Whether {@code creator} may be given a new entry ({@link UnmappedOwners#creating}). */
    Errno creating(Subject creator) {
        return UnmappedOwners.creating(ownership.ids(), creator.uid(), creator.gid());
    }

    /**
     * A file's attributes as getattr shows them to the guest: ids and set-id bits as mapped, devices as mapped, a
     * directory's link count and size without its hidden entries ({@code path} is its path).
     */
    Attr shownAttr(Subject who, LocalShare share, Node node, String path) throws P9Exception {
        FileStat stat = hidden.shown(who, share, node, path, Inodes.stat(node));
        return GuestAttributes.of(
                SetIdBits.shown(share.root(), node, ownershipIn(share), stat),
                share.root().qids().qid(stat));
    }

    /** A refusal, made before any policy is asked, of {@code op} on the file behind {@code handle}, recorded there. */
    P9Exception refusedAt(Operation op, Subject who, FileHandle handle, RequestArgs args, Refusal why)
            throws P9Exception {
        return guard.refused(op, who, handle.share().name(), () -> List.of(hostPath(handle)), args, why);
    }

    @FunctionalInterface
    interface PathOf {
        String get() throws P9Exception;
    }

    /**
     * A link or rename between two shares is EXDEV (each share is its own filesystem to the guest), refused before
     * the policy is asked and recorded in the source's share with the destination's share in the detail. A bad
     * name is refused as such first.
     */
    void requireOneShare(
            Operation op,
            Subject who,
            FileHandle fromHandle,
            PathOf source,
            FileHandle toHandle,
            PathOf destination,
            RequestArgs args)
            throws P9Exception {
        LocalShare from = fromHandle.share();
        LocalShare to = toHandle.share();
        if (from == to) {
            return;
        }
        PathsOf paths = () -> List.of(source.get(), destination.get());
        guard.requireValidNames(op, who, from.name(), paths, args);
        throw guard.refused(
                op, who, from.name(), paths, args, new Refusal(Errno.EXDEV, CROSS_SHARE_RULE, "to_share=" + to.name()));
    }

    /** Whether {@code name} can name an entry ({@link Names#check}): never a path looked up beyond it. */
    static boolean isEntryName(String name) {
        try {
            Names.check(name);
            return true;
        } catch (P9Exception invalid) {
            return false;
        }
    }

    /** A request that only looks at the file of {@code handle}: asked and recorded on its remembered path. */
    <T extends Result> T inspectAt(
            Operation op,
            Subject who,
            FileHandle handle,
            RequestArgs args,
            BackendCall<T> call,
            ChokePoint.OutcomeOf<? super T> outcome)
            throws P9Exception {
        return guard.inspect(
                op,
                who,
                handle.share().name(),
                () -> List.of(path(handle.share(), handle.node())),
                args,
                call,
                outcome);
    }

    /** A request that changes {@code share} and moves no data (entries, attributes, xattr commits). */
    <T extends Result> T changeIn(
            Operation op, Subject who, LocalShare share, PathsOf paths, RequestArgs args, BackendCall<T> call)
            throws P9Exception {
        return guard.change(op, NO_DATA, who, share.name(), paths, args, call, NO_BYTES);
    }

    String path(LocalShare share, Node node) throws P9Exception {
        try {
            return share.root().placedPath(node);
        } catch (RemovedName e) {
            return removedPath(share, e);
        }
    }

    /**
     * The path of a request that changes the host, confirmed by the kernel: a remembered path does not see a
     * host's move out of the share (docs/architecture.md, "Share paths carried by the handle").
     */
    String hostPath(LocalShare share, Node node) throws P9Exception {
        try {
            return share.root().confirmedPath(node);
        } catch (RemovedName e) {
            return removedPath(share, e);
        }
    }

    /**
     * A handle known by a removed name while its file lives on under another, which may be in a hidden or read-only
     * subtree (another VM linked it there and unlinked the name): decided on the removed name only where the VM's
     * policy decides alike at every path; else refused (ESTALE, recorded by the choke point), as it cannot be placed.
     */
    String removedPath(LocalShare share, RemovedName e) throws RemovedName {
        if (guard.decidesByPath(share.name())) {
            throw e;
        }
        return e.removedPath();
    }

    /** The host-confirmed path of {@code handle} (see {@link #hostPath(LocalShare, Node)}). */
    String hostPath(FileHandle handle) throws P9Exception {
        return hostPath(handle.share(), handle.node());
    }

    /** The host-confirmed path of {@code name} in the directory {@code dir}. */
    String childOf(FileHandle dir, String name) throws P9Exception {
        return child(hostPath(dir), name);
    }

    /** Whether an open with these host flags may change the file's data: write access or O_TRUNC. */
    static boolean changesData(int hostFlags) {
        return OpenFlags.writes(hostFlags) || (hostFlags & LinuxSyscalls.O_TRUNC) != 0;
    }

    /** The VM's ownership as this share keeps it: a share that maps special files keeps their modes in the mapping. */
    Ownership ownershipIn(LocalShare share) {
        ShareSafety.Settings settings = safety.of(share.name());
        return settings.mapsDevices() ? new MappedSpecialFiles(ownership, vm, settings.ownsOldMappings()) : ownership;
    }

    /**
     * A mapped special file is never opened by the VM that sees it (its kernel opens its own device or pipe), like a
     * real one; any other VM sees and opens the empty host file it is.
     */
    void refuseMappedSpecialFile(LocalShare share, Node node) throws P9Exception {
        ShareSafety.Settings settings = safety.of(share.name());
        if (settings.mapsDevices()
                && new MappedSpecialFiles(ownership, vm, settings.ownsOldMappings())
                        .special(node)
                        .isPresent()) {
            throw new P9Exception(Errno.ENXIO, "a mapped special file is not opened on the host");
        }
    }

    /**
     * What makes a new entry the guest user's ({@link Ownership#created}): applied by the backend to the inode it
     * made, before the entry has the guest's name (Entries: a concurrent rename onto that name cannot redirect it).
     */
    Entries.Finish givenTo(Subject creator, int mode) {
        return (node, stat) -> ownership.created(node, stat, creator.uid(), creator.gid(), mode);
    }
}
