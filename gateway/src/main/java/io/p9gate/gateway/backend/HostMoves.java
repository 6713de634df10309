package io.p9gate.gateway.backend;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;
import java.util.stream.Stream;

/**
 * Renames and unlinks made on the host, not through the gateway, told to the shares whose remembered paths they may
 * outdate (Linux inotify). A share whose policy decides by path ({@link ShareRoot#watchMoves}) watches each directory
 * before it looks a name up or makes one in it, once per directory inode, so every directory on a remembered path was
 * watched before the path was learned. Each VM has its own inotify instance, read by its own thread: a name moved or
 * removed from a watched directory, a name moved into one (it may replace a held file, and the rename's source may
 * be in no watched directory), a watched directory moved or removed, its file system unmounted, or events lost (the
 * instance's queue overflowed) advances the {@link RenameEpoch} of the shares that watch it (of every share of that
 * instance on an overflow): each of their handles asks the kernel again once, as after a rename through the gateway.
 * So the events one VM's requests queue, and an overflow of its queue, cost only that VM's shares, and its reader
 * being behind delays no other VM's. Nothing is added to a request that only uses a handle (Tgetattr, Tread,
 * Twrite): the events arrive on their own thread.
 *
 * <p>A share watches at most {@link #cap} directories: past that its watches are all removed and its counter
 * advanced, so its handles learn their paths again, watching the directories along them anew (a guest's walk over a
 * large tree costs it its own handles' paths once per {@code cap} new directories, never another share's). Only a
 * walk starts a share over: a path the kernel named is learned within the cap or not at all ({@link
 * #watchWithinCap}), so a handle deeper than the cap asks the kernel at each request instead of starting its share
 * over at each one. Forgetting a watch is one removal by its descriptor and directory, and a share starting over
 * visits only its own watches, so the reader's work per event does not grow with the watches held. The
 * gateway's watches ({@link #maxWatches}) are shared fairly between the VMs that hold some: a VM may use what the
 * others leave, but once all are held, a VM within its {@link #fairPart} takes its next watch from the VM most over
 * its part (that VM's largest share gives up what the VM holds beyond its part), and a VM at its part starts one of its own shares over. A VM that
 * connects after another took every watch thus still gets its part. A directory that cannot be watched (no inotify
 * instance left, {@code fs.inotify.max_user_watches} reached) covers nothing: the handles beneath it remember no
 * path and ask the kernel at each request, as a handle past its path budget does.
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
    private static final int IN_CLOEXEC = 0x80000;
    private static final int IN_ISDIR = 0x40000000;
    /**
     * IN_CREATE tells nothing to act on; it is read, as IN_MOVED_TO is, so that two unlinks (or renames away) of one
     * name are never queued back to back: the kernel merges identical adjacent events, and the gateway's unlink of
     * {@code x} followed by the host's re-creation and unlink of {@code x} would reach the reader as one event, the
     * gateway's own, and the host's unlink would be passed over. A name made again between them separates them.
     * IN_MOVED_TO is acted on: a rename onto a name replaces the file that had it, and is the only event of a rename
     * from a directory nothing watches ({@code mv /elsewhere/new pub/f} under a held pub/f).
     */
    private static final int MASK =
            IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

    private static final System.Logger LOG = System.getLogger(HostMoves.class.getName());
    /** struct inotify_event before its name: wd, mask, cookie, len. */
    private static final int EVENT_HEADER = 16;

    /**
     * The most directories one share watches at once: the kernel keeps each watched directory's inode in memory, and
     * a guest chooses how many it walks into. As many as the VM may hold fids, within these bounds. Not charged to
     * the VM's budgets, which must come back whole when its sessions end, while a watch lasts as long as its share.
     */
    static final int MIN_WATCHES = 1024;

    static final int MAX_WATCHES = 8192;

    /**
     * The least fair part of a VM, however many VMs watch: enough for the directories along a few deep paths, so that
     * a gateway serving more VMs than it has watches for does not start shares over at every walk.
     */
    static final int LEAST_FAIR_PART = 64;

    /**
     * Guards what the VMs' instances share: which share watches what ({@link #HELD}), each instance's watches, the
     * instances themselves. A reader takes it only to forget a watch the kernel removed (its directory gone).
     */
    private static final Object LOCK = new Object();

    /** The instance of each VM that has a share watching (guarded by LOCK); closed with the VM's last share. */
    private static final Map<String, HostMoves> BY_VM = new HashMap<>();

    /**
     * {@link #BY_VM}'s instances, published under LOCK at each change of it: the gateway's every create, unlink and
     * rename reads them ({@link #own}), and copied under the lock each time they all contended for it.
     */
    private static volatile List<HostMoves> instances = List.of();

    /** The instance each watching share uses, from its first watch until it closes. */
    private static final Map<ShareRoot, HostMoves> BOUND = new ConcurrentHashMap<>();

    /** Directories each share watches, and for which VM (guarded by LOCK). */
    private static final Map<ShareRoot, Held> HELD = new IdentityHashMap<>();

    /** Events every reader has read (tests: what a VM's requests cost the readers). */
    private static final LongAdder EVENTS_READ = new LongAdder();
    /** Of those, the IN_IGNORED of {@link #awaitQueued}'s own markers: a test's wait is not what it measures. */
    private static final LongAdder MARKERS_READ = new LongAdder();

    /** The gateway's changes of one name in one watched directory, one at a time ({@link #own}); by stripe. */
    private static final ReentrantLock[] CHANGING =
            Stream.generate(ReentrantLock::new).limit(64).toArray(ReentrantLock[]::new);

    /**
     * The most watches this gateway holds at once, every VM's instance together: half of {@code
     * fs.inotify.max_user_watches}, which counts every inotify watch of the host user the gateway runs as (root:
     * systemd, udev). A VM may walk into as many directories as its budget allows, 16,384 by default, and kernels
     * before 5.11 allow 8,192 watches a user: without this bound one VM left the host's own services none. Past it,
     * directories go unwatched (their handles ask the kernel).
     */
    private static volatile int maxWatches = hostWatchLimit() / 2;

    private final String vm;
    private final int fd;
    private final Map<FileKey, Watch> byDir = new ConcurrentHashMap<>();

    /**
     * Watches removed by {@link #drop}, forgotten at once so that their place is free, whose IN_IGNORED is still to
     * be read: their events are nobody's (an unknown descriptor would advance every share of the instance).
     */
    private final Set<Integer> removed = ConcurrentHashMap.newKeySet();

    private final Map<Integer, Watch> byWd = new ConcurrentHashMap<>();
    /** The shares bound to this instance: every one forgets its paths when its events were lost. */
    private final Set<ShareRoot> watching =
            Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    /** Watches removed on purpose ({@link #awaitQueued}), by descriptor: their IN_IGNORED ends the wait. */
    private final Map<Integer, CountDownLatch> barriers = new ConcurrentHashMap<>();

    /**
     * The gateway's own renames and unlinks under way in directories this instance watches, by watch, event and
     * name: their events tell no move by the host (each advances what it must itself), and every unlink in a watched
     * directory made each handle of the share ask the kernel again, with one lookup per level. Present or not, never
     * counted: the kernel merges identical events queued back to back (two unlinks of one name, a create between
     * them), so a count could keep a credit no event takes, and the host's next unlink of that name would pass for
     * the gateway's own. Own changes of one name in one directory are made one at a time ({@link #own}); one whose
     * event is left unmatched only advances the counters (safe).
     */
    private final Set<Own> own = ConcurrentHashMap.newKeySet();

    private volatile boolean broken;

    /** Its VM's last share closed: the reader closes the instance at its next event ({@link #stop}). */
    private volatile boolean stopping;

    /** The directories one share watches, for the VM whose request made it watch the first. */
    private static final class Held {
        final String vm;
        /**
         * By identity (a Watch has no equals): a share that starts over removes only its own watches, not a scan of
         * every share's. In the order they were added: room taken from the share is its newest watches, the root
         * and the directories near it, which most of its paths pass through, kept longest.
         */
        final LinkedHashSet<Watch> watches = new LinkedHashSet<>();

        Held(String vm) {
            this.vm = vm;
        }
    }

    /** {@code event}: {@link #IN_MOVED_FROM} for a rename, {@link #IN_DELETE} for an unlink. */
    private record Own(int wd, int event, String name) {}

    /** An own change's note in one instance, with the watch whose event takes it. */
    private record Note(HostMoves moves, Own change, Watch watch) {}

    /** A rename or unlink the gateway makes. */
    @FunctionalInterface
    interface Change {
        void make() throws P9Exception;
    }

    /**
     * One watched directory of one instance: its watch descriptor, its key in {@link #byDir} (so that forgetting it
     * is one removal, not a scan of every watch on the reader's thread), the shares whose paths pass through it.
     */
    private static final class Watch {
        final HostMoves moves;
        final int wd;
        final FileKey dir;
        volatile ShareRoot[] shares;

        Watch(HostMoves moves, int wd, FileKey dir, ShareRoot share) {
            this.moves = moves;
            this.wd = wd;
            this.dir = dir;
            this.shares = new ShareRoot[] {share};
        }

        /** What happened in the directory may have moved a path through it: the shares learn theirs again. */
        void advanceShares() {
            for (ShareRoot share : shares) {
                share.renames().advance();
            }
        }

        boolean has(ShareRoot share) {
            for (ShareRoot s : shares) {
                if (s == share) {
                    return true;
                }
            }
            return false;
        }
    }

    private HostMoves(String vm, int fd) {
        this.vm = vm;
        this.fd = fd;
        this.broken = fd < 0;
    }

    /**
     * {@code vm}'s instance and its reader; one that watches nothing if the kernel gives no instance (EMFILE at
     * {@code fs.inotify.max_user_instances}): that VM's handles ask the kernel at each request, a little slower.
     */
    private static HostMoves start(String vm) {
        try {
            HostMoves moves = new HostMoves(vm, LinuxSyscalls.inotifyInit(IN_CLOEXEC));
            Thread.ofPlatform().daemon().name("p9gate-host-moves-" + vm).start(moves::readEvents);
            return moves;
        } catch (P9Exception | RuntimeException | LinkageError e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "moves made on the host cannot be watched for VM " + vm + " (" + e.getMessage()
                            + "): handles in its shares whose rules differ by path ask the kernel at each request");
            return new HostMoves(vm, -1);
        }
    }

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
     * otherwise start the share over at every request on its handle, each start over removing up to {@link #cap}
     * watches, one event each for its VM's reader; its handle asks the kernel instead.
     */
    static boolean watchWithinCap(ShareRoot share, Node dir) {
        return watch(share, dir, false);
    }

    /** Whether a path through {@code dirs} directories needs more watches than a share of the current VM holds. */
    static boolean pastCap(int dirs) {
        return dirs > cap();
    }

    private static boolean watch(ShareRoot share, Node dir, boolean mayStartOver) {
        HostMoves moves = BOUND.get(share);
        if (moves != null) {
            if (moves.broken) {
                return false;
            }
            Watch known = moves.byDir.get(dir.key());
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
    private static HostMoves bind(ShareRoot share, String vm) {
        return BOUND.computeIfAbsent(share, s -> {
            HostMoves moves = BY_VM.computeIfAbsent(vm, HostMoves::start);
            instances = List.copyOf(BY_VM.values());
            moves.watching.add(s);
            return moves;
        });
    }

    private static boolean add(ShareRoot share, Node dir, boolean mayStartOver) {
        String vm = VmBudget.current().vm();
        synchronized (LOCK) {
            HostMoves moves = bind(share, vm);
            if (moves.broken) {
                return false;
            }
            if (dirsOf(share) >= cap()) {
                if (!mayStartOver) {
                    return false;
                }
                startOver(share);
            }
            Watch known = moves.byDir.get(dir.key());
            if (known != null) {
                if (!known.has(share)) {
                    ShareRoot[] more = Arrays.copyOf(known.shares, known.shares.length + 1);
                    more[more.length - 1] = share;
                    known.shares = more;
                    holds(share, vm, known);
                }
                return true;
            }
            if (refusingForTests || (watchCount() >= maxWatches && !makeRoom(vm, mayStartOver))) {
                return false;
            }
            try {
                // As the gateway: a guest's host user (permissions: enforce) may not read the directory, which a
                // watch needs.
                int wd = HostCredentials.asGateway(() ->
                        dir.use(dirFd -> LinuxSyscalls.inotifyAddWatch(moves.fd, LinuxSyscalls.procPath(dirFd), MASK)));
                IntConsumer added = watchAddedForTests;
                if (added != null) {
                    added.accept(wd);
                }
                Watch watch = new Watch(moves, wd, dir.key(), share);
                moves.byWd.put(wd, watch);
                moves.byDir.put(watch.dir, watch);
                holds(share, vm, watch);
                return true;
            } catch (P9Exception e) {
                return false; // ENOSPC (max_user_watches), EACCES, ...: covers nothing
            }
        }
    }

    /** {@code share} watches {@code watch}, counted to {@code vm} if it is the share's first (guarded by LOCK). */
    private static void holds(ShareRoot share, String vm, Watch watch) {
        HELD.computeIfAbsent(share, s -> new Held(vm)).watches.add(watch);
    }

    /** Watches held by every VM's instance (guarded by LOCK). */
    private static int watchCount() {
        int count = 0;
        for (HostMoves moves : BY_VM.values()) {
            count += moves.byWd.size();
        }
        return count;
    }

    /**
     * Every watch of {@code share} removed first, then its counter advanced, so no path learned through a directory
     * it no longer watches is used; its handles learn theirs again, watching anew.
     */
    private static void startOver(ShareRoot share) {
        drop(share);
        share.renames().advance();
    }

    /**
     * As {@link #startOver(ShareRoot)}, but only the {@code count} watches {@code share} added last are removed
     * (every one if it holds no more).
     */
    private static void startOver(ShareRoot share, int count) {
        Held h = HELD.get(share);
        if (h == null || count >= h.watches.size()) {
            startOver(share);
            return;
        }
        List<Watch> newest = new ArrayList<>(h.watches.reversed()).subList(0, count);
        h.watches.removeAll(newest);
        newest.forEach(watch -> release(share, watch));
        share.renames().advance();
    }

    private static int dirsOf(ShareRoot share) {
        Held h = HELD.get(share);
        return h == null ? 0 : h.watches.size();
    }

    /**
     * Every watch is held and {@code vm} needs one more: a VM at its fair part starts its own largest share over
     * ({@code mayStartOver}: a walk, not a descent); one within it takes the place from the VM most over its part,
     * whose largest share gives up its newest watches, down to that VM's part. No VM over its part (a floor above an even split), or a descent of a VM at
     * its part: nothing is taken, the directory goes unwatched. A descent that started its own VM's largest share
     * over, often the descending share, did so at every request on its handle and never learned the path
     * (DescentAtWatchLimitAttackTest).
     */
    private static boolean makeRoom(String vm, boolean mayStartOver) {
        Map<String, Integer> byVm = new HashMap<>();
        HELD.values().forEach(h -> byVm.merge(h.vm, h.watches.size(), Integer::sum));
        byVm.putIfAbsent(vm, 0);
        int part = fairPart(byVm.size());
        String giver = vm;
        if (byVm.get(vm) < part) {
            giver = byVm.entrySet().stream()
                    .filter(e -> e.getValue() > part)
                    .max(Map.Entry.comparingByValue())
                    .map(Map.Entry::getKey)
                    .orElse(null);
        }
        if (giver == null || (giver.equals(vm) && !mayStartOver)) {
            return false;
        }
        String from = giver;
        // Another VM gives only what it holds beyond its part: its largest share's watches taken wholesale left it
        // none, far below its part, for one watch of this VM's (WatchGiverKeepsItsPartAttackTest).
        int beyond = giver.equals(vm) ? Integer.MAX_VALUE : byVm.get(giver) - part;
        HELD.entrySet().stream()
                .filter(e -> e.getValue().vm.equals(from))
                .max(Comparator.comparingInt(e -> e.getValue().watches.size()))
                .map(Map.Entry::getKey)
                .ifPresent(share -> startOver(share, beyond));
        return watchCount() < maxWatches;
    }

    /** Each of {@code vms} VMs that watch may hold this many of the gateway's watches once all are held. */
    private static int fairPart(int vms) {
        return Math.max(LEAST_FAIR_PART, maxWatches / vms);
    }

    /** The cap of the VM whose request adds a watch: {@link #MIN_WATCHES}..{@link #MAX_WATCHES}, its fids. */
    private static int cap() {
        long fids = VmBudget.current().fids().limit();
        return Math.clamp(fids, MIN_WATCHES, MAX_WATCHES);
    }

    /**
     * Tests: held, every reader stops before handling the events it has read, so that those queued meanwhile stay in
     * the kernel's queues, where identical adjacent ones are merged.
     */
    static final ReentrantLock holdForTests = new ReentrantLock();

    /** Tests: run after a rename that may replace its destination, before its source name is looked at. */
    static volatile Runnable beforeRenameCheckForTests;

    /** Tests: whether {@code thread} waits to make a change of a name another change of it is making. */
    static boolean waitingForTests(Thread thread) {
        return Arrays.stream(CHANGING).anyMatch(lock -> lock.hasQueuedThread(thread));
    }

    /** Tests: run with the descriptor of a watch just added, before it is recorded (holding the watches' lock). */
    static volatile IntConsumer watchAddedForTests;

    /** Tests: descriptors removed by the gateway whose IN_IGNORED is still to be read, in every VM's instance. */
    static int droppedUnreadForTests() {
        return instances().stream().mapToInt(moves -> moves.removed.size()).sum();
    }

    /** Tests: no directory can be watched from now on, as when {@code fs.inotify.max_user_watches} is reached. */
    static volatile boolean refusingForTests;

    /** Directories {@code share} watches (tests). */
    static int watchedBy(ShareRoot share) {
        synchronized (LOCK) {
            return dirsOf(share);
        }
    }

    /**
     * Makes {@code change}, the gateway's own unlink ({@code event} {@link #IN_DELETE}) of the entry {@code name} of
     * {@code dir}: its event is passed over. If it fails, an event of that name seen meanwhile may have been the
     * host's: the shares watching {@code dir} forget.
     */
    static void own(Node dir, String name, int event, Change change) throws P9Exception {
        own(dir, name, event, null, null, false, change);
    }

    /**
     * As {@link #own(Node, String, int, Change)} for the gateway's rename of {@code oldName} in {@code oldDir} to
     * {@code newName} in {@code newDir}: both its events (IN_MOVED_FROM, IN_MOVED_TO) are passed over. {@code
     * replacing}: it may replace its destination. rename(2) of a name onto a hard link of the same file does nothing
     * and queues no event, so its notes would wait for the host's next move of those names and pass it for the
     * gateway's own (a VM's Tlink then Trenameat onto the link). Both names the same file before it, no note is
     * made; the source name still there after it withdraws the notes; made anew meanwhile, the rename's events,
     * unmatched, only advance the counters. Three statx, in watched directories only.
     */
    static void renamed(Node oldDir, String oldName, Node newDir, String newName, boolean replacing, Change change)
            throws P9Exception {
        own(oldDir, oldName, IN_MOVED_FROM, newDir, newName, replacing, change);
    }

    /**
     * The gateway's changes of one name in one directory are made one at a time (by stripe), watched or not: an
     * unlink of a rename's source name by another request between the rename and its look at that name would make
     * a rename that did nothing look like one that moved the name, and its notes would stay for the host's moves.
     * Noted in every instance watching the directories: shares of several VMs may hold them.
     */
    private static void own(
            Node dir, String name, int event, Node newDir, String newName, boolean replacing, Change change)
            throws P9Exception {
        List<HostMoves> all = instances();
        if (all.isEmpty()) {
            change.make();
            return;
        }
        List<Note> notes = new ArrayList<>(2);
        for (HostMoves moves : all) {
            Watch from = moves.byDir.get(dir.key());
            Watch to = newDir == null ? null : moves.byDir.get(newDir.key());
            if (from != null) {
                notes.add(new Note(moves, new Own(from.wd, event, name), from));
            }
            if (to != null) {
                notes.add(new Note(moves, new Own(to.wd, IN_MOVED_TO, newName), to));
            }
        }
        boolean watched = !notes.isEmpty();
        ReentrantLock changing = CHANGING[Math.floorMod(31 * dir.key().hashCode() + name.hashCode(), CHANGING.length)];
        changing.lock();
        try {
            // Seen before the rename as well as after it: the host's unlink of the source name between a rename that
            // did nothing and the look after it read as a move, and its notes waited to pass the host's next moves.
            if (replacing && watched && sameFile(dir, name, newDir, newName)) {
                notes.clear();
            }
            notes.forEach(HostMoves::note);
            try {
                change.make();
            } catch (P9Exception | RuntimeException e) {
                notes.forEach(HostMoves::withdraw);
                throw e;
            }
            Runnable hook = beforeRenameCheckForTests;
            if (hook != null && replacing && watched) {
                hook.run();
            }
            if (replacing && !notes.isEmpty() && notMoved(dir, name)) {
                notes.forEach(n -> n.moves.own.remove(n.change));
            }
        } finally {
            changing.unlock();
        }
    }

    private static void note(Note note) {
        note.moves.own.add(note.change);
        if (note.moves.byWd.get(note.watch.wd) != note.watch) {
            note.moves.own.remove(note.change); // the watch went meanwhile: no event of it will take the note
        }
    }

    /** A change that failed: its note withdrawn; already taken, the event that took it may have been the host's. */
    private static void withdraw(Note note) {
        if (!note.moves.own.remove(note.change)) {
            note.watch.advanceShares();
        }
    }

    /**
     * Before a rename that may replace its destination: whether both names are the same file, so that rename(2) will
     * do nothing and queue no event. A host change in between that makes it move after all leaves its events
     * unmatched, which only advances the counters.
     */
    private static boolean sameFile(Node oldDir, String oldName, Node newDir, String newName) {
        try {
            return Inodes.statAt(oldDir, oldName)
                    .key()
                    .equals(Inodes.statAt(newDir, newName).key());
        } catch (P9Exception e) {
            return false; // a name not there: the rename fails, or moves the file onto a free name
        }
    }

    /** After a rename of {@code name} out of {@code dir} that may have done nothing: whether the name is still there. */
    private static boolean notMoved(Node dir, String name) {
        try {
            Inodes.statAt(dir, name);
        } catch (P9Exception e) {
            return e.errno() != Errno.ENOENT; // moved: its events take the notes
        }
        return true;
    }

    /** {@code fs.inotify.max_user_watches}, or 8,192 (the default before Linux 5.11) if it cannot be read. */
    private static int hostWatchLimit() {
        try {
            // By line: Files.readString trusts the size /proc reports and returned only the first digit.
            return Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/fs/inotify/max_user_watches"))
                    .getFirst()
                    .strip());
        } catch (IOException | RuntimeException e) {
            return 8192;
        }
    }

    /** The VMs' instances now. */
    private static List<HostMoves> instances() {
        return instances;
    }

    /** For tests: the most watches held at once, as on a host allowing twice that; returns the limit before. */
    static int watchesAtMost(int limit) {
        int before = maxWatches;
        maxWatches = limit;
        return before;
    }

    /**
     * For tests: how many events the readers have read, not counting {@link #awaitQueued}'s markers (one per live
     * instance, and one more each second a full queue dropped it, whichever VMs' instances an earlier test left).
     */
    static long eventsRead() {
        return EVENTS_READ.sum() - MARKERS_READ.sum();
    }

    /** For tests: how many watches are held. */
    static int watches() {
        synchronized (LOCK) {
            return watchCount();
        }
    }

    /**
     * {@code share} closed: it is told nothing more, and the watches only it used are removed; its VM's last share
     * closes the VM's instance.
     */
    static void closed(ShareRoot share) {
        synchronized (LOCK) {
            drop(share);
            HostMoves moves = BOUND.remove(share);
            if (moves != null) {
                moves.watching.remove(share);
                if (moves.watching.isEmpty() && BY_VM.remove(moves.vm, moves)) {
                    instances = List.copyOf(BY_VM.values());
                    moves.stop();
                }
            }
        }
    }

    /** Guarded by LOCK. */
    private static void drop(ShareRoot share) {
        Held h = HELD.remove(share);
        if (h == null) {
            return;
        }
        for (Watch watch : h.watches) {
            release(share, watch);
        }
    }

    /** {@code share} no longer holds {@code watch}, removed if no other share does (guarded by LOCK). */
    private static void release(ShareRoot share, Watch watch) {
        watch.shares = Arrays.stream(watch.shares).filter(s -> s != share).toArray(ShareRoot[]::new);
        if (watch.shares.length == 0) {
            // Its place free now, for the request that may be making room; its last events are nobody's.
            HostMoves moves = watch.moves;
            moves.removed.add(watch.wd);
            forget(watch);
            try {
                LinuxSyscalls.inotifyRmWatch(moves.fd, watch.wd);
            } catch (P9Exception e) {
                // Already removed by the kernel (its directory gone): its IN_IGNORED was queued then, and may
                // have been read already; awaited, its descriptor would stay for ever (WatchEndRaceAttackTest).
                // Still unread, it only advances the instance's shares.
                moves.removed.remove(watch.wd);
            }
        }
    }

    /** Its shares all closed: the reader, woken by one more event, closes the instance and ends. */
    private void stop() {
        stopping = true;
        if (broken) {
            if (fd >= 0) {
                LinuxSyscalls.close(fd); // the reader ended
            }
            return;
        }
        try {
            Path marker = Files.createTempDirectory("p9gate-host-moves");
            try {
                LinuxSyscalls.inotifyRmWatch(
                        fd, LinuxSyscalls.inotifyAddWatch(fd, marker.toString(), IN_ONLYDIR | IN_DELETE_SELF));
            } finally {
                Files.deleteIfExists(marker);
            }
        } catch (IOException | P9Exception e) {
            // The reader is not woken: the instance stays open, idle, until the gateway exits.
            LOG.log(System.Logger.Level.WARNING, "the host-move watcher of VM " + vm + " stays open: " + e);
        }
    }

    private void readEvents() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(64 * 1024, 8);
            while (!stopping) {
                long n;
                try {
                    n = LinuxSyscalls.readEvents(fd, buf);
                } catch (P9Exception e) {
                    if (e.errno() == Errno.EINTR) {
                        continue;
                    }
                    throw e;
                }
                holdForTests.lock();
                try {
                    for (long pos = 0; pos + EVENT_HEADER <= n; pos += EVENT_HEADER + buf.get(JAVA_INT, pos + 12)) {
                        EVENTS_READ.increment();
                        int wd = buf.get(JAVA_INT, pos);
                        int mask = buf.get(JAVA_INT, pos + 4);
                        boolean named = (mask & (IN_MOVED_FROM | IN_DELETE | IN_MOVED_TO)) != 0
                                && !own.isEmpty()
                                && buf.get(JAVA_INT, pos + 12) > 0;
                        read(wd, mask, named ? buf.getString(pos + EVENT_HEADER, StandardCharsets.UTF_8) : null);
                    }
                } finally {
                    holdForTests.unlock();
                }
            }
            synchronized (LOCK) {
                LinuxSyscalls.close(fd); // not while stop() wakes it: its number could name another VM's instance
            }
        } catch (P9Exception | RuntimeException e) {
            // No more events can be read: nothing is watched from now on, and every share of the instance forgets.
            broken = true;
            advanceAll();
            LOG.log(
                    System.Logger.Level.WARNING,
                    "moves made on the host are no longer watched for VM " + vm + " (" + e.getMessage()
                            + "): handles in its shares whose rules differ by path ask the kernel at each request");
        }
    }

    /**
     * One event as if read from the kernel by every VM's instance ({@code name} that of the entry, or null), for
     * tests: an overflow, or two events the kernel merged, cannot be made to happen on demand.
     */
    static void handleEvent(int wd, int mask, String name) {
        for (HostMoves moves : instances()) {
            moves.read(wd, mask, name);
        }
    }

    /** The watch descriptor of {@code dir}, or -1 if it is not watched (tests). */
    static int watchOf(Node dir) {
        return watchOf(dir.key());
    }

    /** The watch descriptor of the directory {@code dir}, or -1 if it is not watched (tests). */
    static int watchOf(FileKey dir) {
        for (HostMoves moves : instances()) {
            Watch watch = moves.byDir.get(dir);
            if (watch != null) {
                return watch.wd;
            }
        }
        return -1;
    }

    private void read(int wd, int mask, String name) {
        int kind = mask & ~IN_ISDIR;
        if (kind == IN_CREATE) {
            return; // read only to keep the events around it apart (MASK)
        }
        int event = mask & (IN_MOVED_FROM | IN_DELETE | IN_MOVED_TO);
        if (event != 0 && name != null && own.remove(new Own(wd, event, name))) {
            return; // the gateway's own
        }
        handle(wd, mask);
    }

    private void handle(int wd, int mask) {
        if ((mask & IN_Q_OVERFLOW) != 0) {
            // Events were lost: any directory this instance watches may have moved, and an own change's event may be
            // among them, whose credit would take the host's next event of that name.
            own.clear();
            removed.clear(); // their IN_IGNORED may be among those lost; one read later only advances the shares
            // So may the IN_IGNORED of a watch the kernel removed (its directory gone): kept, it would hold a place
            // for good and take its directory's inode number, given to another directory, for watched
            // (WatchLostToOverflowAttackTest). Every watch of the instance is removed; its shares watch anew.
            synchronized (LOCK) {
                shares().forEach(HostMoves::drop);
            }
            advanceAll();
            return;
        }
        if (removed.contains(wd)) {
            if ((mask & IN_IGNORED) != 0) {
                removed.remove(wd);
            }
            return;
        }
        CountDownLatch barrier = (mask & IN_IGNORED) != 0 ? barriers.remove(wd) : null;
        if (barrier != null) {
            MARKERS_READ.increment();
            barrier.countDown();
            return;
        }
        Watch watch = byWd.get(wd);
        if (watch == null) {
            advanceAll(); // a watch not yet recorded: whose it is is not known yet
            return;
        }
        if ((mask & IN_IGNORED) != 0) {
            // Forgotten before the shares advance: a lookup that still took the directory for watched is outdated by
            // the advance, and one after it watches the directory (an inode number the kernel reuses) anew.
            synchronized (LOCK) {
                forget(watch);
            }
        }
        watch.advanceShares();
    }

    /**
     * The watch is gone (its directory removed, unmounted, or the watch removed): its directory is unwatched
     * (guarded by LOCK).
     */
    private static void forget(Watch watch) {
        HostMoves moves = watch.moves;
        if (moves.byWd.remove(watch.wd, watch)) {
            moves.byDir.remove(watch.dir, watch);
            // No event of the watch comes after its IN_IGNORED (or its removal here): a note left would wait for
            // whatever watch gets its descriptor again and pass an event of that one for the gateway's own.
            moves.own.removeIf(o -> o.wd() == watch.wd);
            for (ShareRoot share : watch.shares) {
                Held h = HELD.get(share);
                if (h != null && h.watches.remove(watch) && h.watches.isEmpty()) {
                    HELD.remove(share);
                }
            }
        }
    }

    /** Events of this instance were lost, or its reader stopped: each of its shares forgets. */
    private void advanceAll() {
        for (ShareRoot share : shares()) {
            share.renames().advance();
        }
    }

    /** The shares bound to this instance now. */
    private List<ShareRoot> shares() {
        synchronized (watching) {
            return List.copyOf(watching);
        }
    }

    /**
     * For tests: returns once every event the kernel queued before the call has been handled, in every VM's instance
     * (events are read in order, and a watch removed here queues one more behind them).
     *
     * @throws IllegalStateException if an instance's events stopped being read
     */
    static void awaitQueued() throws InterruptedException {
        for (HostMoves moves : instances()) {
            moves.awaitOwnQueued();
        }
    }

    /**
     * An IN_IGNORED of a watch removed here, queued behind every event queued before: while the queue is full (an
     * overflow the reader has not read yet) the kernel drops it, so another is queued each second until one is read.
     */
    private void awaitOwnQueued() throws InterruptedException {
        if (broken) {
            throw new IllegalStateException("host moves are not watched for VM " + vm);
        }
        Path marker;
        try {
            marker = Files.createTempDirectory("p9gate-host-moves");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Every barrier issued counts down the one latch, left registered: one read late is still behind the events.
        CountDownLatch seen = new CountDownLatch(1);
        try {
            for (int second = 0; second < 60; second++) {
                int wd;
                synchronized (LOCK) {
                    wd = LinuxSyscalls.inotifyAddWatch(fd, marker.toString(), IN_ONLYDIR | IN_DELETE_SELF);
                    barriers.put(wd, seen);
                }
                LinuxSyscalls.inotifyRmWatch(fd, wd);
                if (seen.await(1, TimeUnit.SECONDS)) {
                    return;
                }
            }
            throw new IllegalStateException("the host moves' events of VM " + vm + " are not being read");
        } catch (P9Exception e) {
            throw new IllegalStateException(e);
        } finally {
            try {
                Files.deleteIfExists(marker);
            } catch (IOException e) {
                // a scratch directory left in the temp directory
            }
        }
    }
}
