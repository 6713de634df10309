package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.FileStat;
import io.p9gate.gateway.backend.FileType;
import io.p9gate.gateway.backend.Inodes;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.backend.ShareRoot;
import io.p9gate.gateway.backend.Xattrs;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The set-uid/set-gid bits a guest set that the host inode must not carry ({@link GuestModes}: a set-id file
 * owned by a VM's mapped id would let any host user become that id). They are kept mapped in the xattr
 * {@value #XATTR} (the octal bits, then the host owner and group they were kept for, {@link Ownership#owned}, e.g.
 * {@code 6000 100000 100000}), as QEMU's mapped model keeps modes, and shown to the guest in Rgetattr, so
 * {@code chmod 06555} reads back 06555 while the host file is 0555 (issue 15, cause 2). Like the kernel, a change
 * of owner or group clears them (the host's too: {@link #applying}): set-uid always, set-gid only with group-execute
 * (without it set-gid means mandatory locking, not privilege); a write and a truncate by anyone but the guest's root
 * (CAP_FSETID) clear both, but for the file's owner set-gid without group-execute ({@link #modified}). Only regular files and directories hold user xattrs; other entries never had
 * the bits. On a host filesystem without user xattrs the bits are dropped, as before.
 */
final class SetIdBits {
    static final String XATTR = Ownership.RESERVED_XATTR_PREFIX + "setid";
    private static final int S_ISUID = 04000;
    private static final int S_ISGID = 02000;
    private static final int S_IXGRP = 00010;
    private static final int ROOT = 0;

    private SetIdBits() {}

    /**
     * After a chmod to {@code askedMode}: keeps the set-id bits the host inode did not get, or none. A share that
     * never kept any ({@link ShareRoot#setIdBitsMayBeKept}) has none to remove.
     */
    static void chmodded(ShareRoot share, Node node, int askedMode, Ownership ownership) throws P9Exception {
        int kept = askedMode & (S_ISUID | S_ISGID) & ~GuestModes.allowed(node.isDirectory(), askedMode);
        if (holdsXattrs(node) && (kept != 0 || share.setIdBitsMayBeKept())) {
            if (kept != 0) {
                share.keepingSetIdBits();
            }
            // As the gateway: the chmod was the owner's, and user xattrs ask write access, which chmod 0555 took
            // away: EACCES, and the program stayed set-uid (SetIdMarkUnderEnforceTest).
            ReentrantLock held = KeptSetIdLocks.lock(node);
            try {
                if (kept != 0) {
                    store(node, kept, ownership.owned(node, Inodes.stat(node)));
                } else {
                    remove(node);
                }
            } finally {
                held.unlock();
            }
        }
    }

    /**
     * Before a chmod to {@code attr}'s mode of a regular file: EPERM for set-uid where the VM's map does not name the
     * file's host owner, or set-gid where it does not name the host group. The guest is never shown such bits
     * ({@link #shown}), but the VMs whose map names the owner are: another VM's root sharing the folder made VM A's
     * root's file set-uid for A after writing its own code into it. Set-gid without group-execute too: it grants
     * nothing yet, but A's root's next {@code chmod +x} (its kernel asks the mode it sees plus x) made it a set-gid
     * program. Linux refuses the chmod as well (CAP_FOWNER of a user namespace reaches only inodes it can name).
     * An owner (group) the same request gives is the one judged, as {@link AttrChanges#apply} chowns before it
     * chmods and Linux's setattr_prepare judges set-gid by the group asked: chgrp and chmod g+s in one request were
     * EPERM where the two apart were not (SetIdWithNewOwnerTest).
     */
    static void requireGrantable(Node node, SetAttr attr, Ownership ownership) throws P9Exception {
        int askedMode = attr.mode();
        if (node.type() != FileType.REGULAR || (askedMode & (S_ISUID | S_ISGID)) == 0) {
            return;
        }
        FileStat host = Inodes.stat(node);
        if ((askedMode & S_ISUID) != 0 && !mapsOwnerAfter(node, host, attr, ownership, false)) {
            throw new P9Exception(Errno.EPERM, "set-uid for an owner outside the VM's id map");
        }
        if ((askedMode & S_ISGID) != 0 && !mapsOwnerAfter(node, host, attr, ownership, true)) {
            throw new P9Exception(Errno.EPERM, "set-gid for a group outside the VM's id map");
        }
    }

    /**
     * Whether the VM's map names the owner ({@code group}: the group) the file has once {@code attr} is applied: the
     * guest id asked, taken to the host as {@link Ownership#chown} takes it (an id outside the map goes to the
     * overflow id, which the map does not name), else the file's own.
     */
    private static boolean mapsOwnerAfter(Node node, FileStat host, SetAttr attr, Ownership ownership, boolean group)
            throws P9Exception {
        IdTranslation ids = ownership.ids();
        if (group && attr.has(SetAttr.SETATTR_GID)) {
            return ids.mapsHostGid(ids.gidToHost(attr.gid()));
        }
        if (!group && attr.has(SetAttr.SETATTR_UID)) {
            return ids.mapsHostUid(ids.uidToHost(attr.uid()));
        }
        return ownership.mapsHostOwner(node, host, group);
    }

    /**
     * After creating a regular file asked with {@code askedMode}: keeps the set-id bits the host file did not get,
     * as a chmod would (pjdfstest chmod/12.t creates 04777 and expects another user's write to clear the bit).
     * Most creates ask for none, and cost nothing here.
     */
    static void created(ShareRoot share, Node node, int askedMode, Ownership ownership) throws P9Exception {
        if ((askedMode & (S_ISUID | S_ISGID)) != 0) {
            chmodded(share, node, askedMode, ownership);
        }
    }

    /**
     * The permission bits a Tlcreate of {@code askedMode} in {@code dir} gives the guest's new file, as its record
     * names them ({@link GuestModes#made}): where the file system holds no user xattrs (ramfs, vfat) no set-id bits
     * are kept, and the record named a set-id program the guest never had (mode=6755 for a file it sees 0755).
     * Only a create asking set-id bits costs a getxattr; one that cannot tell keeps them in the record.
     */
    static int madeIn(Node dir, int askedMode) throws P9Exception {
        int made = GuestModes.made(false, askedMode);
        return (made & (S_ISUID | S_ISGID)) != 0 && !holdsUserXattrs(dir) ? made & ~(S_ISUID | S_ISGID) : made;
    }

    private static boolean holdsUserXattrs(Node dir) {
        try {
            Xattrs.getAsGateway(dir, XATTR);
            return true;
        } catch (P9Exception e) {
            return e.errno() != Errno.EOPNOTSUPP;
        }
    }

    /**
     * After an open for writing (Tlopen, Topen, Tlcreate of an existing file): the host inode keeps its set-id bits,
     * as Linux's open(2) changes no mode. Each change of its data takes them then ({@link #writing}, {@link
     * #truncating}), and the kernel clears them in the change itself (run without CAP_FSETID: FileIo.changingData).
     * The open used to chmod the host inode to the mode it had just read without them: a host chmod in between (0700)
     * was overwritten, and an open never followed by a write took a host program's set-uid bit for good
     * (HostSetIdOpenForWritingAttackTest). Only a share that reads no kept bits is marked here where a hard link
     * kept some ({@link #keptThroughAHardLink}), so the writes through it see them.
     *
     * @param stat the file's stat now
     */
    static void openedForWriting(ShareRoot share, Node node, FileStat stat) throws P9Exception {
        keptThroughAHardLink(share, node, stat);
    }

    /**
     * Before a truncate (a Tsetattr's or Twstat's size, a Tlopen's or a Tlcreate's O_TRUNC of an existing file): set-id
     * bits the host inode itself carries (a program the host put there; the gateway never gives a file any) become kept
     * ones, for the guest's root to keep as Linux's does, whether or not the gateway holds CAP_FSETID: Linux's
     * do_truncate treats open(O_TRUNC) and truncate(2) alike, and the Tlopen's, taken as a write's ({@link #writing}),
     * kept nothing where the gateway lacks it (HostSetIdTruncatePathsTest). The host inode keeps its bits until the truncate, which runs without CAP_FSETID (FileIo.changingData): the kernel clears them there, under
     * the inode lock, only if it truncates. A refused truncate then changed no host mode, and nothing is chmodded
     * back ({@link Taken}).
     *
     * @param stat the file's stat now
     */
    static Taken truncating(ShareRoot share, Node node, FileStat stat, Ownership ownership) throws P9Exception {
        keptThroughAHardLink(share, node, stat);
        return Taken.of(node, keepHostBits(share, node, stat, ownership));
    }

    /**
     * Before a guest's write through a fid open for writing: set-id bits the host inode
     * carries become kept ones, for the guest's root to keep as Linux's does; the write itself runs without CAP_FSETID (FileIo), so the kernel clears them from the
     * host inode under the inode lock before the bytes land (taken after the write, the host inode was for a moment
     * set-uid with the guest's code: HostSetIdWriteRaceAttackTest), and only if the write happens: one it refuses
     * (EFBIG) leaves the host's mode as Linux leaves it ({@link Taken}). One fstat per Twrite, not only a fid's
     * first: the host may set them again between two writes; under a quota the one its count just took
     * ({@code known}, else null). Also where the gateway lacks CAP_FSETID (the packaged unit): the kernel clears
     * them there as well, and the guest's root, which keeps them on Linux, lost a host program's set-uid bit at a
     * Twrite and kept it at a truncate (HostSetIdOpenForWritingAttackTest under setpriv). After the write, {@link
     * #modified}; a write of no bytes does neither, as Linux's write(2) of none clears nothing.
     */
    static Taken writing(ShareRoot share, Node node, Ownership ownership, FileStat known) throws P9Exception {
        if (node.type() == FileType.REGULAR) {
            return Taken.of(node, keepHostBits(share, node, known != null ? known : Inodes.stat(node), ownership));
        }
        return Taken.NOTHING;
    }

    /**
     * The kept value a change of the file's data stored from the host inode's set-id bits, for a change that may yet
     * fail. Given back, the kept value is as before, unless another request changed it since (a chmod, a chown):
     * the newer stands. Never the host's mode: that one the kernel's clearing at the change leaves alone when the
     * change fails. A chmod back to the mode seen before set the bits again over a host's {@code chmod u-s}, a
     * {@code chmod 0700} or a hand-over chown made meanwhile, for the new owner (HostSetIdGiveBackRaceAttackTest).
     */
    interface Taken {
        Taken NOTHING = () -> {};

        void giveBack() throws P9Exception;

        /** A change of a file's data, which a {@link Taken} precedes. */
        @FunctionalInterface
        interface Change<T> {
            T run() throws P9Exception;
        }

        /** Runs {@code change}; if it fails, the bits taken for it are given back. */
        default <T> T forChange(Change<T> change) throws P9Exception {
            try {
                return change.run();
            } catch (P9Exception | RuntimeException e) {
                givenBackAfter(e);
                throw e;
            }
        }

        /** Gives back after the change failed with {@code failure}; a failure to give back is added to it. */
        default void givenBackAfter(Exception failure) {
            try {
                giveBack();
            } catch (P9Exception | RuntimeException notGiven) {
                failure.addSuppressed(notGiven);
            }
        }

        private static Taken of(Node node, Keeping keeping) {
            return keeping == null ? NOTHING : () -> keeping.giveBack(node);
        }
    }

    /** A kept value stored from the host's bits ({@code stored}) and the one it replaced ({@code before}). */
    private record Keeping(Kept before, byte[] stored) {
        /**
         * Puts {@code before} back where the value is still {@code stored}, under the value's lock: a chmod or a
         * write landing between the compare and the write was undone ({@link KeptSetIdLocks}).
         */
        void giveBack(Node node) throws P9Exception {
            ReentrantLock held = KeptSetIdLocks.lock(node);
            try {
                giveBackLocked(node);
            } finally {
                held.unlock();
            }
        }

        private void giveBackLocked(Node node) throws P9Exception {
            byte[] now;
            try {
                now = Xattrs.getAsGateway(node, XATTR);
            } catch (P9Exception e) {
                if (e.errno() == Errno.ENODATA || e.errno() == Errno.EOPNOTSUPP) {
                    return; // removed since (a chmod without set-id bits), or never stored
                }
                throw e;
            }
            if (!Arrays.equals(now, stored)) {
                return;
            }
            KeptSetIdLocks.givingBack();
            if (before.bits() == 0) {
                remove(node);
            } else {
                storing(() -> Xattrs.setAsGateway(node, XATTR, value(before.bits(), before.uid(), before.gid()), 0));
            }
        }
    }

    /**
     * The set-id bits the host inode carries, if any, become kept ones (the host inode keeps them until the kernel
     * clears them at the change); null where none were kept. {@code stat} only tells whether to look: those it shows
     * are read again under the value's lock (one statx more, only for a file the host gave set-id bits).
     */
    private static Keeping keepHostBits(ShareRoot share, Node node, FileStat stat, Ownership ownership)
            throws P9Exception {
        if ((stat.mode() & (S_ISUID | S_ISGID)) == 0 || node.type() != FileType.REGULAR) {
            return null; // most changes: no lock, no second stat
        }
        KeptSetIdLocks.keeping();
        ReentrantLock held = KeptSetIdLocks.lock(node);
        try {
            // Again under the value's lock, which a chmod takes after its own: one landing since that stat (the VM
            // root's chmod u-s) removed the value, and this kept the bit it had just taken off (the guest shown 04755
            // where Linux leaves 0755 in either order).
            FileStat now = Inodes.stat(node);
            int onHost = now.mode() & (S_ISUID | S_ISGID);
            if (onHost == 0) {
                return null;
            }
            share.keepingSetIdBits();
            FileStat owned = ownership.owned(node, now);
            Kept before = stored(share, node);
            byte[] keeping = value(applying(before, owned, now::mode) | onHost, owned);
            // As the request's host user, unlike the other changes: one who may not write the file (a truncate it is
            // then refused) leaves no kept bits beside the host's.
            storing(() -> Xattrs.set(node, XATTR, keeping, 0));
            return new Keeping(before, keeping);
        } catch (P9Exception e) {
            if (e.errno() != Errno.EACCES && e.errno() != Errno.EPERM) {
                throw e;
            }
            return null;
        } finally {
            held.unlock();
        }
    }

    /**
     * Before a change of a file's data through a share that reads no kept bits: a host hard link may give the file a
     * name in a share they were kept through, which a start served without this one's reading them (the mark is on
     * that share's root only), and this share's write kept another VM's root's program set-uid for it
     * (KeptSetIdAcrossVmsAttackTest). Found, they are read from now on and this root is marked for the next start.
     * Only a file of more than one link costs a getxattr.
     */
    private static void keptThroughAHardLink(ShareRoot share, Node node, FileStat stat) throws P9Exception {
        if (!share.setIdBitsMayBeKept()
                && node.type() == FileType.REGULAR
                && stat.nlink() > 1
                && stored(node).bits() != 0) {
            share.keepingSetIdBits();
        }
    }

    /**
     * The guest's view: {@code shown} ({@code ownership}'s view of the host stat {@code host}) with the kept bits
     * added, less the set-id bits of an owner outside the VM's map (another VM's or the host's, shown as the
     * overflow id): a guest kernel honours the bits it is shown, so any user of the VM could become that id there.
     * Linux likewise ignores at exec the bits of an owner outside the user namespace. Set-gid without group-execute
     * (mandatory locking) and a directory's set-gid (the group new entries get) grant nothing and stay.
     */
    static FileStat shown(ShareRoot share, Node node, Ownership ownership, FileStat host) throws P9Exception {
        FileStat shown = ownership.shown(node, host);
        Kept kept = stored(share, node);
        int mode = shown.mode() | (kept.bits() == 0 ? 0 : applying(kept, ownership.owned(node, host), shown::mode));
        if (node.type() == FileType.REGULAR) {
            if ((mode & S_ISUID) != 0 && !ownership.mapsHostOwner(node, host, false)) {
                mode &= ~S_ISUID;
            }
            if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) && !ownership.mapsHostOwner(node, host, true)) {
                mode &= ~S_ISGID;
            }
        }
        return mode == shown.mode() ? shown : shown.shownAs(mode, shown.uid(), shown.gid(), shown.rdev());
    }

    /** The mode the guest sees now; asked only when there are bits to clear (it costs a stat). */
    @FunctionalInterface
    interface GuestMode {
        int get() throws P9Exception;
    }

    /** After a chown of a non-directory: the kernel clears set-uid, and set-gid with group-execute. */
    static void chowned(ShareRoot share, Node node, GuestMode mode, Ownership ownership) throws P9Exception {
        if (!node.isDirectory()) {
            clearPrivileges(share, node, mode, ownership);
        }
    }

    /**
     * After a write or truncate by guest uid {@code uid}: only root (CAP_FSETID) keeps the bits, and only over a file
     * whose owner and group the VM's map names, as Linux grants a user namespace's CAP_FSETID only over such inodes
     * (capable_wrt_inode_uidgid): another VM's root sharing the folder is not the owner's root, and its write into
     * that VM's set-uid program must not leave it set-uid there. A change by anyone but the file's owner drops set-gid
     * without group-execute too: Linux (6.2 on, setattr_should_drop_sgid) drops it for a writer outside the file's
     * group, and 9P names no writer's groups (a Twrite names no gid); the host's kernel dropped a host program's 02745
     * there (0745) and the guest was still shown 2745. It grants nothing (mandatory locking): dropping it is the safe
     * side. The owner, in its own group as a rule, keeps it, as on a local file system (the host's kernel drops it
     * for the gateway's gid all the same), unless the VM's map does not name that group: no guest process can be in it,
     * and Linux drops it for the owner outside the group, its namespace's root too (SetGidOfAnUnmappedGroupTest).
     */
    static void modified(ShareRoot share, Node node, int uid, Ownership ownership) throws P9Exception {
        if (node.isDirectory() || stored(share, node).bits() == 0) {
            return; // most writes: no lock
        }
        ReentrantLock held = KeptSetIdLocks.lock(node);
        try {
            modifiedLocked(share, node, uid, ownership);
        } finally {
            held.unlock();
        }
    }

    /**
     * Whether a pwrite that failed with {@code failure} got past the kernel's clearing of set-id bits: ENOSPC and
     * EDQUOT come from the page or block allocation, after file_remove_privs, which stays done (a user's write left
     * 0755 of a 04755 file on a full tmpfs, root's with CAP_FSETID 04755). EFBIG and the other refusals of
     * generic_write_checks come before it, and change no mode. The VM's quota's EDQUOT, refused before the pwrite,
     * is taken alike: Linux's disk quota refuses from the same allocation (SetIdOnAQuotaRefusedWriteTest).
     */
    static boolean clearedBeforeFailing(P9Exception failure) {
        return failure.errno() == Errno.ENOSPC || failure.errno() == Errno.EDQUOT;
    }

    /**
     * {@link #modified} after a write that failed with {@code failure} past the kernel's clearing ({@link
     * #clearedBeforeFailing}): the bits go (or stay, for the VM's root) as after a write that succeeded, and the
     * value taken from the host stays, as Linux leaves the mode; before, it was given back, so a user's write kept
     * the owner's set-uid bit and the root's lost a host program's. A failure here is added to the write's.
     */
    static void modifiedBefore(P9Exception failure, ShareRoot share, Node node, int uid, Ownership ownership) {
        try {
            if (failure instanceof QuotaRefused) {
                clearedOnTheHost(share, node, ownership);
            }
            modified(share, node, uid, ownership);
        } catch (P9Exception | RuntimeException notCleared) {
            failure.addSuppressed(notCleared);
        }
    }

    /**
     * The VM's quota refused the write before its pwrite, which Linux's refusal comes after (file_remove_privs): the
     * host inode's bits become kept ones, as before a pwrite, and the host inode loses them as the pwrite would have
     * taken them; {@link #modified} then keeps them for the VM's root. Before, a user's write past the quota left a
     * host 04757 program 04757, on the host and in the guest's view (SetIdOnAQuotaRefusedWriteTest).
     */
    private static void clearedOnTheHost(ShareRoot share, Node node, Ownership ownership) throws P9Exception {
        if (node.type() == FileType.REGULAR && keepHostBits(share, node, Inodes.stat(node), ownership) != null) {
            Inodes.clearSetIdBits(node);
        }
    }

    private static void modifiedLocked(ShareRoot share, Node node, int uid, Ownership ownership) throws P9Exception {
        Kept kept = stored(share, node); // again, under the lock
        if (kept.bits() == 0) {
            return;
        }
        FileStat host = Inodes.stat(node);
        FileStat owned = ownership.owned(node, host);
        GuestMode mode = () -> ownership.shown(node, host).mode();
        int bits = settled(node, kept, owned, mode);
        if (bits == 0
                || (uid == ROOT
                        && ownership.mapsHostOwner(node, host, false)
                        && ownership.mapsHostOwner(node, host, true))) {
            return;
        }
        if (isOwner(node, host, uid, ownership) && ownership.mapsHostOwner(node, host, true)) {
            clear(node, bits, owned, mode); // the owner: in its own group as a rule, so set-gid without g+x stays
        } else {
            storeAfterChange(node, 0, owned);
        }
    }

    /**
     * Whether guest uid {@code uid} owns the file: shown as its owner, and the VM's map names that owner. An owner
     * outside the map is shown as the overflow id (4294967294), a uid any guest's root may act as: that writer was
     * taken for the owner of another VM's file and kept its set-gid (KeptSetIdAcrossVmsAttackTest).
     */
    private static boolean isOwner(Node node, FileStat host, int uid, Ownership ownership) throws P9Exception {
        return ownership.shown(node, host).uid() == uid && ownership.mapsHostOwner(node, host, false);
    }

    private static void clearPrivileges(ShareRoot share, Node node, GuestMode mode, Ownership ownership)
            throws P9Exception {
        ReentrantLock held = KeptSetIdLocks.lock(node);
        try {
            Kept kept = stored(share, node);
            if (kept.bits() != 0) {
                FileStat owned = ownership.owned(node, Inodes.stat(node)); // the owner the chown gave
                clear(node, settled(node, kept, owned, mode), owned, mode);
            }
        } finally {
            held.unlock();
        }
    }

    /**
     * The {@code kept} bits that apply to the file as the host has it now ({@code host}): a chown since they were
     * kept, the host's own included ({@code chown -R} of a folder handed from one VM to another), cleared what
     * chown(2) clears (set-uid, set-gid with group-execute). The host's chown leaves a user xattr alone, so the VM
     * whose ids the file was given was shown the other VM's program set-uid for its own root
     * (KeptSetIdAfterHostChownAttackTest). Bits of a value written before owners were kept with them (no owner) are
     * taken as kept for another: nothing tells whether the host chowned the file since, and applied whatever the owner
     * a host's hand-over showed them to the new owner's VM. Directories: chown(2) clears nothing there.
     */
    private static int applying(Kept kept, FileStat host, GuestMode mode) throws P9Exception {
        if (kept.bits() == 0 || host.type() != FileType.REGULAR || kept.keptFor(host)) {
            return kept.bits();
        }
        return withoutPrivileges(kept.bits(), mode);
    }

    /**
     * As {@link #applying}, written back for the owner the file has now before its data or owner changes, so the
     * cleared bits stay cleared: else a file handed back to the VM that kept them after another VM's root wrote into
     * it (a root's write keeps bits it may name) was set-uid again, with that VM's code. A look alone writes nothing
     * (a read-only share): what it may show is the program as its owner left it.
     */
    private static int settled(Node node, Kept kept, FileStat host, GuestMode mode) throws P9Exception {
        int bits = applying(kept, host, mode);
        if (kept.bits() != 0 && !kept.keptFor(host)) {
            storeAfterChange(node, bits, host);
        }
        return bits;
    }

    /** The {@code kept} bits less what a change by someone without CAP_FSETID drops (set-gid: with g+x). */
    private static int withoutPrivileges(int kept, GuestMode mode) throws P9Exception {
        return kept & ~(S_ISUID | ((mode.get() & S_IXGRP) != 0 ? S_ISGID : 0));
    }

    /** Drops from the {@code kept} bits of the file {@code host} what {@link #withoutPrivileges} drops. */
    private static void clear(Node node, int kept, FileStat host, GuestMode mode) throws P9Exception {
        int cleared = withoutPrivileges(kept, mode);
        if (cleared != kept) {
            // As the gateway: the write was allowed, and user xattrs ask write access now; a descriptor opened for
            // writing before the owner made the program set-uid and 0755 left it set-uid with another user's code
            // (SetIdMarkUnderEnforceTest).
            storeAfterChange(node, cleared, host);
        }
    }

    /** {@link #store}, after a write or chown that already happened. */
    private static void storeAfterChange(Node node, int bits, FileStat host) throws P9Exception {
        try {
            store(node, bits, host);
        } catch (P9Exception e) {
            // The write or chown already happened: a file whose xattrs even the gateway may not change (immutable)
            // must not turn it into a failed request. The bits stay, never on the host.
            if (e.errno() != Errno.EACCES && e.errno() != Errno.EPERM) {
                throw e;
            }
        }
    }

    private static boolean holdsXattrs(Node node) {
        return node.type().openableForIo();
    }

    /** The kept bits; none without reading when the share never kept any (one getxattr per request saved). */
    private static Kept stored(ShareRoot share, Node node) throws P9Exception {
        return holdsXattrs(node) && share.setIdBitsMayBeKept() ? stored(node) : Kept.NONE;
    }

    /** Keeps {@code bits} (none: removes them) for the file's host owner and group now ({@code host}), as the gateway. */
    private static void store(Node node, int bits, FileStat host) throws P9Exception {
        if (bits == 0) {
            remove(node);
        } else {
            storing(() -> Xattrs.setAsGateway(node, XATTR, value(bits, host), 0));
        }
    }

    private static void remove(Node node) throws P9Exception {
        storing(() -> Xattrs.removeAsGateway(node, XATTR));
    }

    /** The xattr's text: the octal bits, then the host owner and group they are kept for ({@link Kept}). */
    private static byte[] value(int bits, FileStat host) {
        return value(bits, Integer.toUnsignedLong(host.uid()), Integer.toUnsignedLong(host.gid()));
    }

    /** As {@link Kept#parse} reads it: a value kept for no owner (ids -1) is the bits alone. */
    private static byte[] value(int bits, long uid, long gid) {
        String ids = uid < 0 ? "" : " " + uid + " " + gid;
        return (Integer.toOctalString(bits) + ids).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The xattr's value: the bits and the host owner and group of the inode they were kept for, or no owner (-1) for a
     * value written before owners were kept (the octal bits alone), which {@link #keptFor} no owner.
     */
    private record Kept(int bits, long uid, long gid) {
        static final Kept NONE = new Kept(0, -1, -1);

        /** The value's text; none where it is not octal set-id bits and, if any, two decimal ids. */
        static Kept parse(String text) {
            String[] fields = text.strip().split(" ");
            try {
                int bits = Integer.parseInt(fields[0], 8) & (S_ISUID | S_ISGID);
                return switch (fields.length) {
                    case 1 -> new Kept(bits, -1, -1);
                    case 3 -> new Kept(bits, id(fields[1]), id(fields[2]));
                    default -> NONE;
                };
            } catch (NumberFormatException e) {
                return NONE;
            }
        }

        /**
         * A host id, unsigned: one from 2^31 (a valid id) read as an int went negative, which was taken for no owner,
         * so the bits applied whatever the owner (KeptSetIdAfterHostChownAttackTest).
         */
        private static long id(String text) {
            return Integer.toUnsignedLong(Integer.parseUnsignedInt(text));
        }

        /** Whether they were kept for the host owner and group the inode has now. */
        boolean keptFor(FileStat host) {
            return uid == Integer.toUnsignedLong(host.uid()) && gid == Integer.toUnsignedLong(host.gid());
        }
    }

    @FunctionalInterface
    private interface XattrChange {
        void run() throws P9Exception;
    }

    /** Runs {@code change}; a file system without user xattrs, or a value already gone, is no failure. */
    private static void storing(XattrChange change) throws P9Exception {
        try {
            change.run();
        } catch (P9Exception e) {
            if (e.errno() != Errno.ENODATA && e.errno() != Errno.EOPNOTSUPP) {
                throw e;
            }
        }
    }

    /**
     * The kept bits, read as the gateway whoever asks; a value that is not octal set-id bits counts as none, and so
     * does a file whose xattr even the gateway may not read (EACCES): its stat must still work.
     */
    private static Kept stored(Node node) throws P9Exception {
        byte[] raw;
        try {
            // As the gateway: user xattrs ask read access, and a user who may write a set-uid program it may not
            // read cleared nothing at its write (SetIdMarkUnderEnforceTest).
            raw = Xattrs.getAsGateway(node, XATTR);
        } catch (P9Exception e) {
            if (e.errno() == Errno.ENODATA || e.errno() == Errno.EOPNOTSUPP || e.errno() == Errno.EACCES) {
                return Kept.NONE;
            }
            throw e;
        }
        return Kept.parse(new String(raw, StandardCharsets.US_ASCII));
    }
}
