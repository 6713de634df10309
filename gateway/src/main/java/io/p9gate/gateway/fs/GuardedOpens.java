package io.p9gate.gateway.fs;

import static io.p9gate.gateway.fs.ChokePoint.NO_BYTES;
import static io.p9gate.gateway.fs.GuardedFs.qid;

import io.p9gate.gateway.backend.FileIo;
import io.p9gate.gateway.backend.FileStat;
import io.p9gate.gateway.backend.Inodes;
import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.MadeFileNotTakenBack;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.backend.OpenFile;
import io.p9gate.gateway.fs.ChokePoint.BackendCall;
import io.p9gate.gateway.fs.ChokePoint.RequestPaths;
import io.p9gate.gateway.fs.GuardedFs.Claim;
import io.p9gate.gateway.fs.GuardedFs.Created;
import io.p9gate.gateway.fs.GuardedFs.Creation;
import io.p9gate.gateway.fs.GuardedFs.Opened;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import java.util.List;

/**
 * The requests that turn a fid into an open file: Tlopen and Topen, Tlcreate and Tcreate (a legacy Tcreate of a
 * directory too: {@link #mkdirOpened}), with ORCLOSE's removal asked where the file is opened or made.
 */
final class GuardedOpens extends GuardedRequests {
    GuardedOpens(GuardContext context) {
        super(context);
    }

    /**
     * An open that truncates changes the file, so it is recorded before the backend call like a write.
     * {@code directoryOnly} (O_DIRECTORY) refuses a non-directory with ENOTDIR, as the decided request's outcome.
     */
    public Opened open(Subject who, FileHandle handle, int hostFlags, boolean directoryOnly, Claim claim)
            throws P9Exception {
        return open(who, handle, hostFlags, directoryOnly, false, claim);
    }

    /** As {@link #open(Subject, FileHandle, int, boolean, Claim)}; {@code removeOnClunk}: ORCLOSE ({@link #removal}). */
    public Opened open(
            Subject who, FileHandle handle, int hostFlags, boolean directoryOnly, boolean removeOnClunk, Claim claim)
            throws P9Exception {
        return open(who, handle, hostFlags, directoryOnly, removeOnClunk, false, claim);
    }

    /**
     * Tlopen's open, from its 9P2000.L flags. Access mode 3 opens for reading ({@link OpenFlags#toHost}), but
     * open(2) counts it as asking for write access too, so a directory opened with it is EISDIR.
     */
    public Opened lopen(Subject who, FileHandle handle, int p9Flags, Claim claim) throws P9Exception {
        return open(
                who,
                handle,
                OpenFlags.toHost(p9Flags),
                OpenFlags.wantsDirectory(p9Flags),
                false,
                OpenFlags.noAccessMode(p9Flags),
                claim);
    }

    private Opened open(
            Subject who,
            FileHandle handle,
            int hostFlags,
            boolean directoryOnly,
            boolean removeOnClunk,
            boolean writeAccessAsked,
            Claim claim)
            throws P9Exception {
        LocalShare share = handle.share();
        Node node = handle.node();
        long moves = quota.moves(); // before the decision reads the path (see QuotaAccounting.resizing)
        // Every open is decided where the kernel says the file is (one readlinkat): the remembered path misses a
        // host's move out of the share, and, until the watcher handles its event, under a hidden subtree, and FileIo
        // reopens the inode wherever it now is: for writing, the file changed there; for reading, what the host wrote
        // there was read (WriteOpenHostMoveAttackTest, HostMovedHeldFidAttackTest).
        boolean changes = changesData(hostFlags);
        RequestPaths paths = RequestPaths.of(() -> List.of(hostPath(share, node)));
        // At the host-confirmed path, as a Tremove's: a removal changes the host.
        ChokePoint.Also removal = removal(removeOnClunk, who, share, () -> List.of(hostPath(share, node)));
        BackendCall<Opened> call = () -> {
            if (directoryOnly && !node.isDirectory()) {
                throw new P9Exception(Errno.ENOTDIR, "O_DIRECTORY on a non-directory");
            }
            if (writeAccessAsked && node.isDirectory()) {
                throw new P9Exception(Errno.EISDIR, "access mode 3 on a directory");
            }
            refuseMappedSpecialFile(share, node);
            removal.require();
            OpenFile file = (hostFlags & LinuxSyscalls.O_TRUNC) == 0
                    ? share.io().open(node, hostFlags)
                    : quota.resizing(share, node, paths.at(0), moves, before -> 0, null, was -> {
                        // The open truncates without CAP_FSETID (FileIo): bits the host gave are kept
                        // first, as at a Tsetattr's size (Linux's do_truncate treats both alike), for the
                        // guest's root to keep as Linux's does, whether or not the gateway holds it;
                        // from the quota's stat where it took one (one statx less per Tlopen O_TRUNC).
                        FileStat now = was != null ? was : Inodes.stat(node);
                        return SetIdBits.truncating(share.root(), node, now, ownershipIn(share))
                                .forChange(() -> share.io().open(node, hostFlags));
                    });
            try {
                FileStat stat = Inodes.stat(node);
                if (changes) {
                    SetIdBits.openedForWriting(share.root(), node, stat);
                }
                truncated(who, share, node, hostFlags);
                Opened opened =
                        new Opened(new OpenHandle(file), share.root().qids().qid(stat));
                claimAfter(claim, (hostFlags & LinuxSyscalls.O_TRUNC) != 0 ? "truncated" : null);
                return opened;
            } catch (P9Exception | RuntimeException e) {
                file.close();
                throw e;
            }
        };
        RequestArgs args = new RequestArgs.Open(hostFlags);
        return claiming(
                claim,
                () -> (hostFlags & LinuxSyscalls.O_TRUNC) != 0 && !removal.refuses()
                        ? changeIn(Operation.OPEN, who, share, paths, args, call)
                        : guard.inspect(Operation.OPEN, who, share.name(), paths, args, call, NO_BYTES));
    }

    /**
     * After an open with O_TRUNC: Linux clears set-id bits there as at any truncate (do_truncate asks
     * dentry_needs_remove_privs), so kept bits go as at a Tsetattr of size 0 (KeptSetIdAcrossVmsAttackTest: another
     * VM's root emptied VM A's root's set-uid program and A still saw it set-uid).
     */
    private void truncated(Subject who, LocalShare share, Node node, int hostFlags) throws P9Exception {
        if ((hostFlags & LinuxSyscalls.O_TRUNC) != 0) {
            SetIdBits.modified(share.root(), node, who.uid(), ownershipIn(share));
        }
    }

    /**
     * open(5), create(5): an ORCLOSE open or create needs permission to remove its file (REMOVE at its path), asked
     * where the request would open or make it, after what the same request without ORCLOSE answers first (its own
     * refusal, EEXIST), so that a refusal leaves nothing made and is not left to the clunk, after the guest used the
     * file. Only its refusal is recorded (op remove), then the request's failure. A name no entry can have is left to
     * the create, which refuses it as the name it is.
     */
    private ChokePoint.Also removal(boolean removeOnClunk, Subject who, LocalShare share, ChokePoint.PathsOf path)
            throws P9Exception {
        return removeOnClunk
                ? guard.also(Operation.REMOVE, who, share.name(), path, RequestArgs.NONE)
                : ChokePoint.Also.NONE;
    }

    /**
     * An ORCLOSE create or mkdir whose removal the policy refuses ({@link #removal}) can make nothing, so it changes
     * nothing and is decided and recorded through the choke point as a request that only looks: its record, and the
     * removal's denial before it, written after the call (refusals, which the refusal budget counts), not an intent
     * and its outcome. The call answers what the same request without ORCLOSE answers first (a quota's refusal,
     * EEXIST), else the removal's refusal.
     */
    private Created refusedMaking(
            Operation op,
            Subject who,
            LocalShare share,
            RequestPaths paths,
            RequestArgs args,
            ChokePoint.Also removal,
            Node dir,
            String name)
            throws P9Exception {
        return guard.inspect(
                op,
                who,
                share.name(),
                paths,
                args,
                () -> quota.creating(
                        share.name(),
                        QuotaAccounting.named(dir, name, paths.at(0)),
                        op == Operation.MKDIR,
                        () -> notMade(removal, dir, name)),
                NO_BYTES);
    }

    /** Why an ORCLOSE create whose removal is refused does not make {@code name}: EEXIST if it exists, else that. */
    private static Created notMade(ChokePoint.Also removal, Node dir, String name) throws P9Exception {
        try {
            Inodes.statAt(dir, name);
        } catch (P9Exception e) {
            if (e.errno() != Errno.ENOENT) {
                throw e; // what the create would answer (ENOTDIR...)
            }
            removal.require();
            throw new IllegalStateException("an ORCLOSE create whose removal was not refused came to be refused");
        }
        throw new P9Exception(Errno.EEXIST, name + " exists");
    }

    public Created create(
            Subject who,
            FileHandle handle,
            String name,
            int hostFlags,
            int askedMode,
            int gid,
            boolean exclusive,
            Claim claim)
            throws P9Exception {
        return create(who, handle, new Creation(name, hostFlags, askedMode, gid, exclusive, false), claim);
    }

    public Created create(Subject who, FileHandle handle, Creation asked, Claim claim) throws P9Exception {
        String name = asked.name();
        int hostFlags = asked.hostFlags();
        int askedMode = asked.askedMode();
        int gid = asked.gid();
        boolean exclusive = asked.exclusive();
        LocalShare share = handle.share();
        Node dir = handle.node();
        int mode = GuestModes.allowed(false, askedMode);
        RequestPaths paths = RequestPaths.of(() -> List.of(childOf(handle, name)));
        RequestArgs args = new RequestArgs.Create(name, hostFlags, SetIdBits.madeIn(dir, askedMode), exclusive);
        Subject creator = creator(who, dir, gid);
        ChokePoint.Also removal = removal(asked.removeOnClunk() && isEntryName(name), creator, share, paths);
        return claiming(claim, () -> {
            // Also without O_EXCL, where the file may exist: whether it does is known only in the call.
            requireOwnable(Operation.CREATE, creator, share, paths, args, creating(creator));
            if (removal.refuses()) {
                return refusedMaking(Operation.CREATE, creator, share, paths, args, removal, dir, name);
            }
            return changeIn(Operation.CREATE, creator, share, paths, args, () -> {
                // Without O_EXCL an existing file may be opened: it takes no inode, and its truncation
                // goes through the quota like any other (so O_TRUNC is applied after the open).
                FileIo.Created made = keepingMade(() -> quota.creating(
                        share.name(),
                        dir,
                        paths.at(0),
                        false,
                        takingBack -> share.io()
                                .create(
                                        dir,
                                        name,
                                        hostFlags & ~LinuxSyscalls.O_TRUNC,
                                        mode,
                                        exclusive,
                                        (node, stat) -> {
                                            givenTo(creator, mode).apply(node, stat);
                                            SetIdBits.created(share.root(), node, askedMode, ownership);
                                        },
                                        takingBack),
                        FileIo.Created::isNew,
                        () -> share.io().existing(dir, name, hostFlags & ~LinuxSyscalls.O_TRUNC, exclusive)));
                try {
                    if (!made.isNew()) {
                        refuseMappedSpecialFile(share, made.node());
                        if ((hostFlags & LinuxSyscalls.O_TRUNC) == 0 && changesData(hostFlags)) {
                            SetIdBits.openedForWriting(share.root(), made.node(), Inodes.stat(made.node()));
                        }
                        if ((hostFlags & LinuxSyscalls.O_TRUNC) != 0) {
                            // Its look for the host's set-id bits makes openedForWriting's hard-link check from
                            // its own stat: a stat of each was one statx too many (MetaSyscallsTest).
                            quota.resizing(
                                    share,
                                    made.node(),
                                    before -> 0,
                                    () -> SetIdBits.truncating(
                                                    share.root(),
                                                    made.node(),
                                                    Inodes.stat(made.node()),
                                                    ownershipIn(share))
                                            .forChange(() -> {
                                                Inodes.truncate(made.node(), 0);
                                                return null;
                                            }));
                        }
                        truncated(creator, share, made.node(), hostFlags);
                    }
                    // A new file's qid is its creation stat's: chmod and chown change neither size nor
                    // mtime.
                    Qid qid = made.isNew() ? share.root().qids().qid(made.stat()) : qid(share, made.node());
                    Created created = new Created(new FileHandle(share, made.node()), new OpenHandle(made.file()), qid);
                    claimAfter(
                            claim,
                            made.isNew() ? "created" : (hostFlags & LinuxSyscalls.O_TRUNC) != 0 ? "truncated" : null);
                    return created;
                } catch (P9Exception | RuntimeException e) {
                    made.node().close();
                    made.file().close();
                    throw e;
                }
            });
        });
    }

    /**
     * A Tlcreate that failed with a file made it could not take back: the file lives on (under its name or another),
     * or other requests counted it made, so its outcome record adds {@code applied=created} as the quota keeps its
     * inode; a log that said only "failed" would deny a file the host keeps.
     */
    private static <T> T keepingMade(ChokePoint.BackendCall<T> create) throws P9Exception {
        try {
            return create.run();
        } catch (MadeFileNotTakenBack e) {
            if (e.getCause() instanceof RuntimeException fault) {
                UnexpectedFaults.log(Operation.CREATE.name(), fault); // EIO, as ChokePoint answers any fault
            }
            throw new PartlyApplied(e, "applied=created");
        }
    }

    /**
     * A legacy Tcreate of a directory: made and opened ({@code hostFlags}) under its one MKDIR decision, as an
     * exclusive Tlcreate opens the file it made under CREATE alone. Were the open asked of the policy after the
     * mkdir, its refusal (a write-only drop box) would leave the directory behind an error. Its listing is still
     * decided per read (READDIR). A failure after the mkdir records {@code applied=created}: the host keeps it.
     */
    public Created mkdirOpened(
            Subject who,
            FileHandle handle,
            String name,
            int askedMode,
            int gid,
            int hostFlags,
            boolean removeOnClunk,
            Claim claim)
            throws P9Exception {
        LocalShare share = handle.share();
        Node dir = handle.node();
        int mode = GuestModes.allowed(true, askedMode);
        RequestPaths paths = RequestPaths.of(() -> List.of(childOf(handle, name)));
        RequestArgs args = new RequestArgs.Make(name, GuestModes.made(true, askedMode), true, 0, 0);
        Subject creator = creator(who, dir, gid);
        ChokePoint.Also removal = removal(removeOnClunk && isEntryName(name), creator, share, paths);
        return claiming(claim, () -> {
            requireOwnable(Operation.MKDIR, creator, share, paths, args, creating(creator));
            if (removal.refuses()) {
                return refusedMaking(Operation.MKDIR, creator, share, paths, args, removal, dir, name);
            }
            return changeIn(Operation.MKDIR, creator, share, paths, args, () -> {
                Node node = quota.creating(
                        share.name(),
                        QuotaAccounting.named(dir, name, paths.at(0)),
                        true,
                        () -> share.entries().mkdir(dir, name, mode, givenTo(creator, mode)));
                OpenFile file = null;
                try {
                    file = share.io().open(node, hostFlags);
                    Created created = new Created(new FileHandle(share, node), new OpenHandle(file), qid(share, node));
                    claimAfter(claim, "created");
                    return created;
                } catch (PartlyApplied | RuntimeException e) {
                    closeAll(file, node);
                    throw e;
                } catch (P9Exception e) {
                    closeAll(file, node);
                    throw new PartlyApplied(e, "applied=created");
                }
            });
        });
    }

    private static void closeAll(OpenFile file, Node node) {
        if (file != null) {
            file.close();
        }
        node.close();
    }
}
