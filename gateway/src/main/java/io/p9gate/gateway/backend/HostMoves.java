package io.p9gate.gateway.backend;

import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * Renames and unlinks made on the host, not through the gateway, told to the shares whose remembered paths they may
 * outdate (Linux inotify); what the backend calls. A share whose policy decides by path ({@link
 * ShareRoot#watchMoves}) watches each directory before it looks a name up or makes one in it, once per directory
 * inode, so every directory on a remembered path was watched before the path was learned. Each VM has its own
 * inotify instance, read by its own thread ({@link VmInotify}): a name moved from a watched directory, a
 * non-directory removed from one or moved into one (it may replace a held file, and the rename's source may be in no
 * watched directory; a directory moves no remembered path, {@link VmInotify#read}), a
 * watched directory moved or removed, its file system unmounted, or events lost (the instance's queue overflowed)
 * advances the {@link RenameEpoch} of the shares that watch it (of every share of that instance on an overflow):
 * each of their handles asks the kernel again once, as after a rename through the gateway. Nothing is added to a
 * request that only uses a handle (Tgetattr, Tread, Twrite): the events arrive on their own thread.
 *
 * <p>How many directories a share and a VM may watch is {@link WatchBudget}'s: only a walk starts a share over; a
 * path the kernel named is learned within the cap or not at all ({@link #watchWithinCap}), so a handle deeper than
 * the cap asks the kernel at each request instead of starting its share over at each one. The gateway's own renames
 * and unlinks are passed over ({@link OwnChangeNotes}). A directory that cannot be watched (no inotify instance left,
 * {@code fs.inotify.max_user_watches} reached) covers nothing: the handles beneath it remember no path and ask the
 * kernel at each request, as a handle past its path budget does.
 */
final class HostMoves {
    static final int IN_MOVED_FROM = 0x40;
    static final int IN_MOVED_TO = 0x80;
    static final int IN_CREATE = 0x100;
    static final int IN_DELETE = 0x200;
    static final int IN_DELETE_SELF = 0x400;
    static final int IN_MOVE_SELF = 0x800;
    static final int IN_UNMOUNT = 0x2000;
    static final int IN_Q_OVERFLOW = 0x4000;
    static final int IN_IGNORED = 0x8000;
    static final int IN_ONLYDIR = 0x01000000;

    static final int MIN_WATCHES = WatchBudget.MIN_WATCHES;

    /**
     * Guards what the VMs' instances share: which share watches what ({@link WatchBudget}), each instance's watches,
     * the instances themselves. A reader takes it only to forget a watch the kernel removed (its directory gone), or
     * every watch of its instance after an overflow. Held for no {@code inotify_rm_watch}: the watches a section
     * forgets are removed from the kernel after it ({@link WatchBudget#takeForgotten}).
     */
    static final Object LOCK = new Object();

    /** The instance of each VM that has a share watching (guarded by LOCK); closed with the VM's last share. */
    private static final Map<String, VmInotify> BY_VM = new HashMap<>();

    /**
     * {@link #BY_VM}'s instances, published under LOCK at each change of it: the gateway's every create, unlink and
     * rename reads them ({@link #own}), and copied under the lock each time they all contended for it.
     */
    private static volatile List<VmInotify> instances = List.of();

    /** The instance each watching share uses, from its first watch until it closes. */
    private static final Map<ShareRoot, VmInotify> BOUND = new ConcurrentHashMap<>();

    /** A rename or unlink the gateway makes. */
    @FunctionalInterface
    interface Change {
        void make() throws P9Exception;
    }

    private HostMoves() {}

    /**
     * Whether directory {@code dir} is watched for {@code share}, watching it first if need be: only then may a path
     * through it be remembered. Memory only once the directory is watched for the share.
     */
    static boolean watch(ShareRoot share, Node dir) {
        return watch(share, dir, true);
    }

    /**
     * As {@link #watch(ShareRoot, Node)}, but a share at its cap watches nothing more instead of starting over: for
     * the descent that learns a path the kernel named. A path needing more watches than the share may hold would
     * otherwise start the share over at every request on its handle, each start over removing up to a cap of
     * watches, one event each for its VM's reader; its handle asks the kernel instead.
     */
    static boolean watchWithinCap(ShareRoot share, Node dir) {
        return watch(share, dir, false);
    }

    /** Whether a path through {@code dirs} directories needs more watches than a share of the current VM holds. */
    static boolean pastCap(int dirs) {
        return dirs > WatchBudget.cap();
    }

    private static boolean watch(ShareRoot share, Node dir, boolean mayStartOver) {
        VmInotify inotify = BOUND.get(share);
        if (inotify != null) {
            if (inotify.broken()) {
                return false;
            }
            DirWatch known = inotify.watched(dir.key());
            if (known != null && known.has(share)) {
                return true;
            }
        }
        return add(share, dir, mayStartOver);
    }

    /**
     * The instance of {@code share}: the one it used first, or that of the VM whose request this is (guarded by
     * LOCK).
     */
    private static VmInotify bind(ShareRoot share, String vm) {
        return BOUND.computeIfAbsent(share, s -> {
            VmInotify inotify = BY_VM.computeIfAbsent(vm, VmInotify::start);
            instances = List.copyOf(BY_VM.values());
            inotify.bind(s);
            return inotify;
        });
    }

    private static boolean add(ShareRoot share, Node dir, boolean mayStartOver) {
        String vm = VmBudget.current().vm();
        boolean watched;
        List<DirWatch> forgotten;
        synchronized (LOCK) {
            watched = addLocked(share, vm, dir, mayStartOver);
            forgotten = WatchBudget.takeForgotten();
        }
        // Those a start over or a place made forgot: out of the lock, which every VM's next watch needs.
        VmInotify.removeFromKernel(forgotten);
        return watched;
    }

    /** As {@link #add}, holding LOCK: what it forgets is removed from the kernel after. */
    private static boolean addLocked(ShareRoot share, String vm, Node dir, boolean mayStartOver) {
        if (share.watchesNoMore()) {
            // A request still running as its share closed: bound again, it started a reader and an instance
            // nothing would ever stop (WatchReaderEndAttackTest). Or as a reload took it away: its watch was
            // held until the VM's last session ended (DisconnectedVmWatchesAttackTest).
            return false;
        }
        VmInotify inotify = bind(share, vm);
        if (inotify.broken()) {
            return false;
        }
        if (WatchBudget.dirsOf(share) >= WatchBudget.cap()) {
            if (!mayStartOver) {
                return false;
            }
            WatchBudget.startOver(share);
        }
        DirWatch known = inotify.watched(dir.key());
        if (known != null) {
            if (!known.has(share)) {
                known.add(share);
                WatchBudget.holds(share, vm, known);
            }
            return true;
        }
        if (refusingForTests || !WatchBudget.roomFor(vm, mayStartOver)) {
            return false;
        }
        try {
            WatchBudget.holds(share, vm, inotify.add(dir, share));
            return true;
        } catch (P9Exception e) {
            return false; // ENOSPC (max_user_watches), EACCES, ...: covers nothing
        }
    }

    /**
     * {@code share} closed: it is told nothing more, and the watches only it used are removed; its VM's last share
     * closes the VM's instance.
     */
    static void closed(ShareRoot share) {
        List<DirWatch> forgotten;
        synchronized (LOCK) {
            WatchBudget.drop(share);
            forgotten = WatchBudget.takeForgotten();
            unbind(share);
        }
        VmInotify.removeFromKernel(forgotten); // none if the instance stopped: closing it removes them
    }

    /**
     * A reload took {@code share} from its VM ({@link ShareRoot#watchesNoMore} is true already): it starts over, and
     * no longer uses its VM's instance; the VM's last share taken closes it. Kept bound, a VM the reload removed kept
     * its instance and reader, empty, until the gateway stopped: one of the host user's {@code
     * fs.inotify.max_user_instances} (128 by default) each (ReloadRemovedVmWatcherAttackTest). Given back, its next
     * watch binds it again.
     */
    static void takenAway(ShareRoot share) {
        List<DirWatch> forgotten;
        synchronized (LOCK) {
            if (WatchBudget.dirsOf(share) > 0) {
                WatchBudget.startOver(share);
            }
            forgotten = WatchBudget.takeForgotten();
            unbind(share);
        }
        VmInotify.removeFromKernel(forgotten);
    }

    /** {@code share} uses its instance no more; the instance's last share stops it (guarded by LOCK). */
    private static void unbind(ShareRoot share) {
        VmInotify inotify = BOUND.remove(share);
        if (inotify != null && inotify.unbind(share) && BY_VM.remove(inotify.vm(), inotify)) {
            instances = List.copyOf(BY_VM.values());
            inotify.stop();
        }
    }

    /** {@code share}'s VM has no session left: the share starts over, every watch it holds given up. */
    static void released(ShareRoot share) {
        List<DirWatch> forgotten;
        synchronized (LOCK) {
            if (WatchBudget.dirsOf(share) == 0) {
                return; // watches nothing: its remembered paths stay
            }
            WatchBudget.startOver(share);
            forgotten = WatchBudget.takeForgotten();
        }
        VmInotify.removeFromKernel(forgotten);
    }

    /**
     * Makes {@code change}, the gateway's own unlink ({@code event} {@link #IN_DELETE}) of the entry {@code name} of
     * {@code dir}: its event is passed over. If it fails, an event of that name seen meanwhile may have been the
     * host's: the shares watching {@code dir} forget.
     */
    static void own(Node dir, String name, int event, Change change) throws P9Exception {
        OwnChangeNotes.make(instances, dir, name, event, null, null, false, change);
    }

    /**
     * As {@link #own(Node, String, int, Change)} for the gateway's rename of {@code oldName} in {@code oldDir} to
     * {@code newName} in {@code newDir}: both its events (IN_MOVED_FROM, IN_MOVED_TO) are passed over. {@code
     * replacing}: it may replace its destination, and may then do nothing (a name onto a hard link of the same
     * file): {@link OwnChangeNotes#make} makes no note that no event would take. Three statx, in watched directories
     * only.
     */
    static void renamed(Node oldDir, String oldName, Node newDir, String newName, boolean replacing, Change change)
            throws P9Exception {
        OwnChangeNotes.make(instances, oldDir, oldName, IN_MOVED_FROM, newDir, newName, replacing, change);
    }

    /** The VMs' instances now (under LOCK: those of {@link #BY_VM}). */
    static List<VmInotify> instances() {
        return instances;
    }

    // ---------------------------------------------------------------- for tests

    /**
     * Held, every reader stops before handling the events it has read, so that those queued meanwhile stay in the
     * kernel's queues, where identical adjacent ones are merged.
     */
    static final ReentrantLock holdForTests = new ReentrantLock();

    /** Run after a rename that may replace its destination, before its source name is looked at. */
    static volatile Runnable beforeRenameCheckForTests;

    /** No directory can be watched from now on, as when {@code fs.inotify.max_user_watches} is reached. */
    static volatile boolean refusingForTests;

    /** Run with the descriptor of a watch just added, before it is recorded (holding the watches' lock). */
    static volatile IntConsumer watchAddedForTests;

    /** Run with the descriptor of each watch no share needs any more, before it is removed from the kernel. */
    static volatile IntConsumer removingForTests;

    /** Run on every reader's thread before it handles the events it has read. */
    static volatile Runnable readingForTests;

    /** Descriptors removed by the gateway whose IN_IGNORED is still to be read, in every VM's instance. */
    static int droppedUnreadForTests() {
        return instances().stream().mapToInt(VmInotify::droppedUnread).sum();
    }

    /** The most watches held at once, as on a host allowing twice that; returns the limit before. */
    static int watchesAtMost(int limit) {
        return WatchBudget.watchesAtMost(limit);
    }

    /**
     * How many events the readers have read, not counting {@link #awaitQueued}'s markers (one per live instance, and
     * one more each second a full queue dropped it, whichever VMs' instances an earlier test left).
     */
    static long eventsRead() {
        return VmInotify.eventsRead();
    }

    /** How many watches are held. */
    static int watches() {
        synchronized (LOCK) {
            return WatchBudget.watchCount();
        }
    }

    /**
     * The watches the limit is measured against ({@link WatchBudget#roomFor}): those held, and forgotten ones whose
     * removal from the kernel is still to be made (an earlier test's among them).
     */
    static int watchesCounted() {
        synchronized (LOCK) {
            return WatchBudget.inKernel();
        }
    }

    /** A VM's fair part of the gateway's watches now: VMs an earlier test left watching count as any other. */
    static int fairPart() {
        synchronized (LOCK) {
            return WatchBudget.fairPartNow();
        }
    }

    /** How many watches the kernel holds for every VM's instance, forgotten ones not yet removed among them. */
    static int kernelWatchesForTests() throws IOException {
        int count = 0;
        for (VmInotify inotify : instances()) {
            count += inotify.kernelWatchCount();
        }
        return count;
    }

    /** Every share that watches now, and its VM's instance: a share leaves it when it closes. */
    static Map<ShareRoot, VmInotify> watchingForTests() {
        return Map.copyOf(BOUND);
    }

    /** Directories {@code share} watches. */
    static int watchedBy(ShareRoot share) {
        synchronized (LOCK) {
            return WatchBudget.dirsOf(share);
        }
    }

    /**
     * One event as if read from the kernel by every VM's instance ({@code name} that of the entry, or null): an
     * overflow, or two events the kernel merged, cannot be made to happen on demand.
     */
    static void handleEvent(int wd, int mask, String name) {
        for (VmInotify inotify : instances()) {
            inotify.read(wd, mask, name);
        }
    }

    /** The watch descriptor of {@code dir}, or -1 if it is not watched. */
    static int watchOf(Node dir) {
        return watchOf(dir.key());
    }

    /** The watch descriptor of the directory {@code dir}, or -1 if it is not watched. */
    static int watchOf(FileKey dir) {
        for (VmInotify inotify : instances()) {
            DirWatch watch = inotify.watched(dir);
            if (watch != null) {
                return watch.wd;
            }
        }
        return -1;
    }

    /**
     * Returns once every event the kernel queued before the call has been handled, in every VM's instance.
     *
     * @throws IllegalStateException if an instance's events stopped being read
     */
    static void awaitQueued() throws InterruptedException {
        for (VmInotify inotify : instances()) {
            inotify.awaitQueued();
        }
    }
}
