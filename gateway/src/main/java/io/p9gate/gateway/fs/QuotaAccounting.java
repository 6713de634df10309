package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.Entries;
import io.p9gate.gateway.backend.FileStat;
import io.p9gate.gateway.backend.FileType;
import io.p9gate.gateway.backend.Inodes;
import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.MadeFileNotTakenBack;
import io.p9gate.gateway.backend.Names;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.backend.OpenInodes;
import io.p9gate.gateway.backend.ShareRoot;
import io.p9gate.gateway.backend.TakeBackLock;
import io.p9gate.gateway.backend.Timespec;
import io.p9gate.gateway.backend.Xattrs;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.policy.quota.Usage;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.LongUnaryOperator;
import java.util.function.Predicate;

/**
 * Keeps a VM's quota usage in step with what its requests do to the host (R-POL-6), counting as the
 * start-up scan does: a regular file its size, a directory what it grew beyond its first block ({@link DirSize}),
 * every entry one inode (each name of a file with several
 * hard links too), the bytes of a file with several hard links once. Where exact counting is impossible the request is refused with EXDEV, as XFS project quotas do
 * (tools then copy, and every copied byte is counted): a hard link, or a rename of a file with several
 * links, between different sets of scopes; a directory rename between them or one that would carry a
 * scope's root. A file's last name going frees its usage only when the host frees its space: when the
 * last handle on it closes ({@link OpenInodes}).
 *
 * <p>Everything that accounts one existing file holds that inode's lock ({@link InodeLocks}, per VM)
 * from finding the file's scopes to settling its usage, and reads the path of a file it holds by handle
 * under that lock: concurrent writers of one file neither pass a limit together nor count the same
 * growth twice, and a rename cannot slip between a write's scope and its growth. Directory paths need
 * no lock: no allowed rename changes which scopes contain anything below a directory.
 */
final class QuotaAccounting {
    /** How often a rename or unlink looks again when its entry was replaced before it held the lock. */
    private static final int ATTEMPTS = 4;

    @FunctionalInterface
    interface Call<T> {
        T run() throws P9Exception;
    }

    /** A call given the stat of its file the quota took just before it, or null where no quota took one. */
    interface StatedCall<T> {
        T run(FileStat was) throws P9Exception;
    }

    /** An entry a request acts on: a name in a directory (Trenameat, Tunlinkat) or a fid's file (Trename, Tremove). */
    interface Entry {
        /** Its stat now, or null if there is no such entry. */
        FileStat stat() throws P9Exception;

        /** Its stat now, or the host's error for it (ENOENT if there is no such entry). */
        FileStat require() throws P9Exception;

        /** Its share-relative path, asked while its inode is locked. */
        String path() throws P9Exception;

        /** The directory holding its name, null where the request names none (a fid's own file). */
        default Node dir() {
            return null;
        }

        /**
         * Its name's place for the entry locks (directory, name), null where the request names none. The Location
         * does not own its directory (the request's fid or the caller's does): never close it.
         */
        default ShareRoot.Location place() {
            return null;
        }

        /**
         * Holds its {@link #place()}'s entry lock, none where the request names none (a Tremove: Entries.remove looks
         * again under that lock and refuses a file the name no longer names).
         */
        default Entries.Holding holdingName() {
            ShareRoot.Location at = place();
            return at == null ? () -> {} : Entries.holding(at.parent(), at.name());
        }
    }

    static Entry named(Node dir, String name, Call<String> path) {
        return new Entry() {
            @Override
            public FileStat stat() {
                return statOf(dir, name);
            }

            @Override
            public FileStat require() throws P9Exception {
                Names.check(name);
                return Inodes.statAt(dir, name);
            }

            @Override
            public String path() throws P9Exception {
                return path.run();
            }

            @Override
            public Node dir() {
                return dir;
            }

            @Override
            public ShareRoot.Location place() {
                return new ShareRoot.Location(dir, name);
            }
        };
    }

    static Entry held(LocalShare share, Node node) {
        return held(share, node, null);
    }

    /** A fid's file found at {@code at} (null: not looked for), whose name's lock a rename of it holds. */
    static Entry held(LocalShare share, Node node, ShareRoot.Location at) {
        return new Entry() {
            @Override
            public FileStat stat() throws P9Exception {
                return Inodes.stat(node);
            }

            @Override
            public FileStat require() throws P9Exception {
                return Inodes.stat(node);
            }

            @Override
            public String path() throws P9Exception {
                return share.root().relativePath(node);
            }

            @Override
            public ShareRoot.Location place() {
                return at;
            }
        };
    }

    private final Quotas quotas;

    QuotaAccounting(Quotas quotas) {
        this.quotas = quotas;
    }

    /** What the scopes containing {@code path} allow and leave (Tstatfs); empty without quotas or scopes there. */
    Optional<Quotas.Room> room(String share, String path) {
        return quotas.isEmpty() ? Optional.empty() : quotas.room(share, path);
    }

    /** {@link Quotas#changingOrLater}, nothing to hold without quotas. */
    Quotas.Changing changingOrLater(Runnable later) {
        return quotas.isEmpty() ? Quotas.Changing.NOTHING : quotas.changingOrLater(later);
    }

    /** The count of files moved between scopes so far: read it before the request's decision reads a path. */
    long moves() {
        return quotas.moves();
    }

    /**
     * A file's size after a call that changed it, known from its size before and the call's result without asking
     * the file again (a Twrite: one stat per write instead of two, issue 11).
     */
    @FunctionalInterface
    interface SizeAfter<T> {
        long of(long before, T result);
    }

    /** As {@link #resizing(LocalShare, Node, Call, long, LongUnaryOperator, Call)}, reading the file's path now. */
    <T> T resizing(LocalShare share, Node node, LongUnaryOperator growthFromSize, Call<T> call) throws P9Exception {
        return resizing(share, node, () -> share.root().relativePath(node), -1, growthFromSize, call);
    }

    /**
     * A call that may change a regular file's size (write, truncate, open with O_TRUNC).
     *
     * @param decidedPath    the file's path as the request's decision read it
     * @param movesBefore    {@link #moves()} before that path was read: if a file moved between scopes since,
     *                       the path is read again (under the lock, so no move can come between)
     * @param growthFromSize the most the file can grow by, given its size before the call
     */
    <T> T resizing(
            LocalShare share,
            Node node,
            Call<String> decidedPath,
            long movesBefore,
            LongUnaryOperator growthFromSize,
            Call<T> call)
            throws P9Exception {
        return resizing(share, node, decidedPath, movesBefore, growthFromSize, null, was -> call.run());
    }

    /**
     * As {@link #resizing(LocalShare, Node, Call, long, LongUnaryOperator, Call)}, the call given the stat taken
     * before it (a write's set-id look reuses it: one statx per Twrite under a quota); {@code sizeAfter}, when not null,
     * gives the size the call left from its result, instead of a stat after it: for a write, under this VM's lock on
     * the inode, which no request of this VM can resize meanwhile (what a writer outside the gateway adds meanwhile
     * is left to the next start-up scan; a stat after would catch it only if it landed in the call's window).
     */
    <T> T resizing(
            LocalShare share,
            Node node,
            Call<String> decidedPath,
            long movesBefore,
            LongUnaryOperator growthFromSize,
            SizeAfter<? super T> sizeAfter,
            StatedCall<T> call)
            throws P9Exception {
        if (quotas.isEmpty() || node.type() != FileType.REGULAR) {
            return call.run(null);
        }
        // The extra reference keeps an unlinked file's handle, and so its kept usage, until the growth is settled.
        try (Quotas.Changing _ = quotas.changing();
                Node pinned = node.share();
                InodeLocks.Locked _ = quotas.locks().lock(pinned.key())) {
            String path = quotas.moves() == movesBefore
                    ? decidedPath.run()
                    : share.root().relativePath(pinned);
            Quotas.Scopes scopes = quotas.scopes(share.name(), path, FileIdentity.of(pinned.key()), false);
            if (scopes.isEmpty()) {
                return call.run(null);
            }
            FileStat was = Inodes.stat(pinned);
            if (was.nlink() == 0) {
                keepUnlinked(share, path, pinned, was, scopes);
            }
            if (was.nlink() > 0) {
                scopes.note(bornOf(was), was.size());
            }
            long before = was.size();
            long ask = Math.max(0, growthFromSize.applyAsLong(before));
            // Only growth asks for room: a scope past its limit (a reload tightened it, the scan found more) still lets
            // a file be rewritten in place or shrunk, as a Linux quota does, so the guest can get back under.
            Quotas.Held held = ask == 0 ? Quotas.Held.NOTHING : scopes.reserve(ask, 0);
            T result;
            try {
                result = call.run(was);
            } catch (P9Exception | RuntimeException e) {
                held.release();
                throw e;
            }
            long now;
            boolean unlinked;
            if (sizeAfter != null) {
                now = sizeAfter.of(before, result);
                unlinked = was.nlink() == 0; // an unlink of this VM waits for the inode's lock
            } else {
                FileStat after = statOrNull(pinned);
                now = after == null ? before + ask : after.size(); // the call happened: count what it may have used
                unlinked = after != null && after.nlink() == 0;
            }
            settle(scopes, held, ask, was, now);
            if (unlinked) {
                quotas.kept(FileIdentity.of(pinned.key())).ifPresent(kept -> kept.resized(now));
            }
            return result;
        }
    }

    /**
     * An unlinked file resized through a handle (its inode locked) whose usage nothing keeps: its last name went
     * outside this VM's accounting (the host, another VM). Counted again and kept until its last handle closes, as
     * any unlinked file held open is; else what is written to it would stay counted for ever.
     */
    private void keepUnlinked(LocalShare share, String path, Node node, FileStat stat, Quotas.Scopes scopes) {
        FileIdentity file = FileIdentity.of(node.key());
        if (quotas.kept(file).isPresent()) {
            return;
        }
        Quotas.Kept kept = quotas.keep(share.name(), path, file, false, stat.size(), 0);
        scopes.charge(stat.size());
        if (!OpenInodes.whenClosed(node.key(), kept::release)) {
            kept.release(); // not reached: the caller holds a reference
        }
    }

    /**
     * Refuses (EDQUOT), taking nothing, a resize of {@code node} to {@code size} that {@link #resizing} would refuse
     * now: the same reservation, for a call that changes nothing, so it is given back at once. A Twstat asks before
     * its rename, so that a length past the quota leaves the file unrenamed.
     */
    void requireRoom(LocalShare share, Node node, long size) throws P9Exception {
        resizing(
                share,
                node,
                () -> share.root().relativePath(node),
                -1,
                before -> size - before,
                (before, none) -> before,
                was -> null);
    }

    /** Keeps what the file grew by; a shrink gives back only what the scopes counted of it (Quotas.Scopes#resized). */
    private static void settle(Quotas.Scopes scopes, Quotas.Held held, long ask, FileStat was, long now) {
        long grown = now - was.size();
        if (grown < 0) {
            held.release();
        } else if (grown <= ask) {
            held.commit(grown, 0);
        } else {
            held.commit(ask, 0);
            scopes.charge(grown - ask);
        }
        if (was.nlink() > 0) {
            scopes.resized(bornOf(was), was.size(), now);
        } else if (grown < 0) {
            scopes.free(-grown, 0); // unlinked: what was never counted of it was charged as its last name went
        }
    }

    /**
     * The most a file's {@code user.} xattrs, names and values, may take in a quota's scope: what a default ext4
     * keeps per inode (one block). A quota bounds them only through its inodes, which assumes that; XFS and btrfs
     * take any number of 64 KiB values per file and ext4 with {@code ea_inode} dozens, none of it counted.
     */
    static final int XATTR_BYTES_PER_INODE = 4096;

    /**
     * Txattrcreate's commit of a value of {@code size} bytes named {@code name}: EDQUOT where a scope counts the
     * file and its xattrs would take more than {@link #XATTR_BYTES_PER_INODE}. Under the inode's lock, so two
     * commits to one file cannot pass the bound together.
     */
    <T> T settingXattr(LocalShare share, Node node, String name, int size, Call<T> call) throws P9Exception {
        if (quotas.isEmpty() || size == 0) {
            return call.run();
        }
        try (InodeLocks.Locked _ = quotas.locks().lock(node.key())) {
            String path = share.root().relativePath(node);
            // As a regular file: the scope's own root directory is in it too, and its xattrs are as uncounted.
            Quotas.Scopes scopes = quotas.scopes(share.name(), path, FileIdentity.of(node.key()), false);
            if (!scopes.isEmpty()) {
                long others = Xattrs.userBytes(node, name);
                long after = others + name.getBytes(StandardCharsets.UTF_8).length + size;
                // Past the bound already (the host's values, or set before it existed): only growing is refused.
                if (after > XATTR_BYTES_PER_INODE && after > others + Xattrs.userBytesOf(node, name)) {
                    throw new P9Exception(
                            Errno.EDQUOT,
                            "xattrs of " + after + " bytes on one file in a quota's scope, past "
                                    + XATTR_BYTES_PER_INODE);
                }
            }
            return call.run();
        }
    }

    /**
     * A new entry (directory, symlink, node, hard link) at {@code made}'s name: one inode. Where no inode is free, a
     * name that has an entry (a dangling symlink too) answers EEXIST, as mkdir(2), symlink(2), mknod(2) and link(2)
     * do at a full quota (`mkdir -p`, lock-by-mkdir rely on it); only a free name is EDQUOT. That look makes nothing,
     * so no inode is taken past the limit (adversarial.QuotaFullMakeOfExistingNameTest).
     */
    <T> T creating(String share, Entry made, boolean directory, Call<T> call) throws P9Exception {
        return creating(share, made.dir(), made::path, directory, takingBack -> call.run(), result -> true, () -> {
            made.require(); // ENOENT where the name is free: so EDQUOT
            throw new P9Exception(Errno.EEXIST, "the name exists");
        });
    }

    /** A Tlcreate, whose take-back of a file it made holds {@code takingBack}. */
    @FunctionalInterface
    interface Create<T> {
        T run(TakeBackLock takingBack) throws P9Exception;
    }

    /**
     * Tlcreate: one inode if it made the file; without O_EXCL it may have opened an existing one instead. A file made
     * and then taken back is taken back under its inode's lock: a rename or unlink of the VM on its name either went
     * before (its accounting of the file stands, and the create keeps the inode) or finds the name free or the file gone.
     * Where no inode is free, {@code existing} answers instead: it opens the file the name has (or refuses, EEXIST
     * under O_EXCL), as open(2) does at a full quota; EDQUOT where the name has none (ENOENT).
     */
    <T> T creating(
            String share,
            Node dir,
            Call<String> pathOf,
            boolean directory,
            Create<T> call,
            Predicate<? super T> isNew,
            Call<T> existing)
            throws P9Exception {
        if (quotas.isEmpty()) {
            return call.run(TakeBackLock.NONE);
        }
        try (Quotas.Changing _ = quotas.changing()) {
            return creatingCounted(share, dir, pathOf, call, isNew, existing, directory);
        }
    }

    private <T> T creatingCounted(
            String share,
            Node dir,
            Call<String> pathOf,
            Create<T> call,
            Predicate<? super T> isNew,
            Call<T> existing,
            boolean directory)
            throws P9Exception {
        Quotas.Held held;
        String path = pathOf.run();
        try {
            held = quotas.scopes(share, path, null, directory).reserve(0, 1);
        } catch (P9Exception full) {
            if (full.errno() != Errno.EDQUOT) {
                throw full;
            }
            try {
                return existing.run();
            } catch (P9Exception e) {
                throw e.errno() == Errno.ENOENT ? full : e;
            }
        }
        DirSize in = DirSize.of(quotas, share, dir, path);
        try {
            T result = call.run(made -> quotas.locks().lock(made)::close);
            held.commit(0, isNew.test(result) ? 1 : 0);
            return result;
        } catch (MadeFileNotTakenBack e) {
            // Its name went through other requests before the create failed (their unlink, or rename over it, freed
            // an inode), or the file lives on: given back, the count fell below the host's (QuotaAccountingTest).
            held.commit(0, 1);
            throw e;
        } catch (P9Exception | RuntimeException e) {
            held.release();
            throw e;
        } finally {
            in.settle(share, quotas);
        }
    }

    /** An unlink: {@code looked} is the entry's stat read under its inode's lock, null if none was read. */
    @FunctionalInterface
    interface Removal {
        void run(FileStat looked) throws P9Exception;
    }

    /**
     * Removing an entry (Tunlinkat, Tremove). The call is handed the look made under the inode's lock, which gives
     * the unlink the link count it needs without a statx of its own.
     */
    void removing(String share, Entry victim, Removal call) throws P9Exception {
        if (quotas.isEmpty()) {
            call.run(null);
            return;
        }
        try (Quotas.Changing _ = quotas.changing()) {
            removingCounted(share, victim, call);
        }
    }

    private void removingCounted(String share, Entry victim, Removal call) throws P9Exception {
        for (int attempt = 1; ; attempt++) {
            // Never unlinked unaccounted: an entry made between a look that found none and the call would have gone
            // with its usage still counted (adversarial.QuotaRenameRaceAttackTest). No entry: the host's error.
            FileStat seen = victim.require();
            // The name's lock from this look to the unlink: another VM's rename onto it in between had the unlink
            // remove the renamed file while this credited the one looked at (QuotaUnlinkRenameRaceAttackTest).
            try (InodeLocks.Locked _ = quotas.locks().lock(seen.key());
                    Entries.Holding _ = victim.holdingName()) {
                FileStat now = victim.stat();
                if (sameFile(seen, now)) {
                    String path = victim.path();
                    DirSize in = DirSize.of(quotas, share, victim.dir(), path);
                    try {
                        noteFile(share, path, now);
                        DirSize.removing(share, quotas, path, now);
                        call.run(now);
                        removed(share, path, now);
                    } finally {
                        in.settle(share, quotas);
                    }
                    return;
                }
            }
            giveUpAfter(attempt);
        }
    }

    /** A hard link: no new usage inside one set of scopes, refused between different sets. */
    void linking(LocalShare share, Node target, Entry newName, Call<Void> call) throws P9Exception {
        if (quotas.isEmpty()) {
            call.run();
            return;
        }
        try (Quotas.Changing _ = quotas.changing();
                InodeLocks.Locked _ = quotas.locks().lock(target.key())) {
            String newPath = newName.path();
            if (!quotas.sameScopes(share.name(), share.root().relativePath(target), newPath)) {
                if (newName.stat() != null) { // link(2) answers EEXIST before EXDEV: lock-by-link relies on it
                    throw new P9Exception(Errno.EEXIST, "the name exists");
                }
                throw new P9Exception(Errno.EXDEV, "hard link between quota scopes");
            }
            // The new name is a directory entry like a new file's: one inode, so the inodes limit bounds the scope's
            // directories' first blocks (bytes count the rest). A name taking nothing let one file be given tens of
            // thousands
            // of names, gigabytes of directory blocks on the host.
            creating(share.name(), newName, false, call);
            quotas.linkMade(share.name(), newPath, FileIdentity.of(target.key()));
        }
    }

    /** The rename itself: {@code replace} says whether it may replace what has the new name (else EEXIST). */
    @FunctionalInterface
    interface Rename {
        void run(boolean replace) throws P9Exception;
    }

    /**
     * A rename of {@code moved} onto {@code target}'s name, replacing what is there if {@code replace}. Only what
     * was accounted moves or goes: a source made between a look that found none and the rename would have moved
     * uncounted (into a scope: past its quota, adversarial.QuotaRenameRaceAttackTest), so a missing source is the
     * host's error; a destination made after the look found it free would have been replaced with its usage still
     * counted, so the rename then cannot replace (RENAME_NOREPLACE, as every create needs already) and looks again.
     */
    void moving(String share, Entry moved, Entry target, boolean replace, Rename call) throws P9Exception {
        if (quotas.isEmpty()) {
            call.run(replace);
            return;
        }
        try (Quotas.Changing _ = quotas.changing()) {
            movingCounted(share, moved, target, replace, call);
        }
    }

    private void movingCounted(String share, Entry moved, Entry target, boolean replace, Rename call)
            throws P9Exception {
        for (int attempt = 1; ; attempt++) {
            FileStat seen = moved.require();
            FileStat seenTarget = target.stat();
            try (InodeLocks.Locked _ = quotas.locks().lock(seen.key(), seenTarget == null ? null : seenTarget.key());
                    Entries.Holding _ = holdingNames(moved, target)) {
                FileStat now = moved.stat();
                FileStat nowTarget = target.stat();
                if (sameFile(seen, now) && sameFile(seenTarget, nowTarget)) {
                    String from = moved.path();
                    String to = target.path();
                    DirSize out = DirSize.of(quotas, share, moved.dir(), from);
                    DirSize in = DirSize.of(quotas, share, target.dir(), to);
                    try {
                        in.requireRoom(share, quotas);
                        moveLocked(share, from, to, now, nowTarget, replace, call);
                        return;
                    } catch (P9Exception e) {
                        if (!(replace && nowTarget == null && e.errno() == Errno.EEXIST)) {
                            throw e;
                        }
                        // The destination was made meanwhile: account it first.
                    } finally {
                        out.settle(share, quotas);
                        in.settle(share, quotas);
                    }
                }
            }
            giveUpAfter(attempt);
        }
    }

    /**
     * Both names' entry locks from the look to the rename (Trenameat): another VM's rename onto the destination in
     * between had the rename replace that file while the quota credited the one looked at
     * (QuotaUnlinkRenameRaceAttackTest). A fid's file is renamed from where it was found ({@link #held(LocalShare,
     * Node, ShareRoot.Location)}); one not found first takes none: the destination's lock alone, held while the
     * backend takes both in stripe order, could wait against another rename holding the source's.
     */
    private static Entries.Holding holdingNames(Entry moved, Entry target) {
        ShareRoot.Location from = moved.place();
        ShareRoot.Location to = target.place();
        if (from == null || to == null) {
            return () -> {};
        }
        return Entries.holding(from.parent(), from.name(), to.parent(), to.name());
    }

    private void moveLocked(
            String share, String from, String to, FileStat moved, FileStat replaced, boolean replace, Rename call)
            throws P9Exception {
        if (replaced != null && replaced.key().equals(moved.key())) {
            call.run(replace); // onto another link of the same file: Linux does nothing
            return;
        }
        boolean same = quotas.sameScopes(share, from, to);
        if (moved.type() == FileType.DIRECTORY) {
            if (!same || quotas.holdsScopeRoot(share, from) || quotas.holdsScopeRoot(share, to)) {
                throw new P9Exception(Errno.EXDEV, "directory rename would move a quota scope's boundary");
            }
        } else if (!same && moved.nlink() > 1) {
            throw new P9Exception(Errno.EXDEV, "a file with several links cannot change quota scopes");
        } else if (!same && moved.type() == FileType.REGULAR && OpenInodes.heldThroughLostName(moved.key())) {
            // Its writes through such a handle would count where the lost name was, whoever removed it: this VM,
            // another, the host (adversarial.QuotaLostNameAttackTest).
            throw new P9Exception(Errno.EXDEV, "a file held open through a name it lost cannot change quota scopes");
        }
        noteFile(share, from, moved);
        if (replaced != null) {
            noteFile(share, to, replaced);
        }
        Quotas.Held held = same
                ? Quotas.Held.NOTHING
                : quotas.scopes(share, from, FileIdentity.of(moved.key()), false)
                        .moveTo(quotas.scopes(share, to, null, false), bornOf(moved), bytes(moved), 1);
        if (replaced != null) {
            DirSize.removing(share, quotas, to, replaced);
        }
        try {
            call.run(replace && replaced != null);
        } catch (P9Exception | RuntimeException e) {
            held.release();
            throw e;
        }
        held.commit(bytes(moved), 1);
        if (!same) {
            quotas.moved(FileIdentity.of(moved.key()));
        }
        if (replaced != null) {
            removed(share, to, replaced);
        }
    }

    /**
     * The entry at {@code path} lost a name (under its inode's lock). If that was its last, its usage goes
     * when the host frees it: when no handle on it is open, counting those still being opened as the name went
     * ({@link OpenInodes#whenFreed}; adversarial.QuotaUnlinkOpenRaceAttackTest).
     */
    private void removed(String share, String path, FileStat victim) {
        boolean directory = victim.type() == FileType.DIRECTORY;
        if (!directory && victim.nlink() > 1) {
            // Another name still holds it. A handle opened through this one keeps its path: moveLocked asks.
            quotas.linkGone(share, path, FileIdentity.of(victim.key()), bornOf(victim), bytes(victim));
            return;
        }
        if (victim.type() == FileType.REGULAR) {
            quotas.scopes(share, path, FileIdentity.of(victim.key()), false)
                    .lastNameGone(bornOf(victim), victim.size());
        }
        Quotas.Kept kept = quotas.keep(share, path, FileIdentity.of(victim.key()), directory, bytes(victim), 1);
        OpenInodes.whenFreed(victim.key(), kept::release);
    }

    /**
     * Before a request renames or removes the regular file {@code stat} at {@code path} (its inode locked): the scopes
     * follow what they count of it from its size now, not what another writer adds later (Quotas.Scopes#note).
     */
    private void noteFile(String share, String path, FileStat stat) {
        if (stat.type() == FileType.REGULAR) {
            quotas.scopes(share, path, FileIdentity.of(stat.key()), false).note(bornOf(stat), stat.size());
        }
    }

    /**
     * When a file was born (epoch ns), which tells a ledger whether its scan saw it: statx's btime; where the
     * filesystem has none, its ctime, later if anything (a file changed since the scan then counts as born after it).
     */
    static long bornOf(FileStat s) {
        Timespec t = s.btime().sec() == 0 && s.btime().nsec() == 0 ? s.ctime() : s.btime();
        return t.sec() * 1_000_000_000L + t.nsec();
    }

    private static void giveUpAfter(int attempt) throws P9Exception {
        if (attempt >= ATTEMPTS) {
            throw new P9Exception(Errno.EAGAIN, "the entry kept being replaced by concurrent requests");
        }
    }

    /** The stat of {@code dir/name}, or null if there is no such entry (or no such name); for accounting only. */
    private static FileStat statOf(Node dir, String name) {
        try {
            Names.check(name);
            return Inodes.statAt(dir, name);
        } catch (P9Exception e) {
            return null;
        }
    }

    private static boolean sameFile(FileStat a, FileStat b) {
        return a == null ? b == null : b != null && a.key().equals(b.key());
    }

    /** What a restart's scan counts of an entry in bytes: a regular file its size, a directory its growth. */
    static long bytes(FileStat s) {
        // Not a switch: a stat of a type the gateway does not know has none.
        if (s.type() == FileType.REGULAR) {
            return s.size();
        }
        return s.type() == FileType.DIRECTORY ? Usage.directoryBytes(s.size()) : 0;
    }

    static FileStat statOrNull(Node node) {
        try {
            return Inodes.stat(node);
        } catch (P9Exception e) {
            return null;
        }
    }
}
