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
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * Renames and unlinks made on the host, not through the gateway, told to the shares whose remembered paths they may
 * outdate (Linux inotify). A share whose policy decides by path ({@link ShareRoot#watchMoves}) watches each directory
 * before it looks a name up or makes one in it, once per directory inode, so every directory on a remembered path was
 * watched before the path was learned. One thread reads the events; a name moved or removed from a watched directory,
 * a name moved into one (it may replace a held file, and the rename's source may be in no watched directory),
 * a watched directory moved or removed, its file system unmounted, or events lost (the kernel's queue overflowed)
 * advances the {@link RenameEpoch} of the shares that watch it (of every watching share on an overflow): each of
 * their handles asks the kernel again once, as after a rename through the gateway. Nothing is added to a request that
 * only uses a handle (Tgetattr, Tread, Twrite): the events arrive on their own thread.
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
 * its part (that VM's largest share starts over), and a VM at its part starts one of its own shares over. A VM that
 * connects after another took every watch thus still gets its part. A directory that cannot be watched (no inotify,
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

    /** Started by the first share that watches: a gateway whose policies decide nothing by path has no watcher. */
    private static volatile HostMoves watcher;

    private static boolean started;

    private final int fd;
    private final Map<FileKey, Watch> byDir = new ConcurrentHashMap<>();
    /** Directories each share watches, and for which VM (guarded by this). */
    private final Map<ShareRoot, Held> held = new IdentityHashMap<>();

    /**
     * Watches removed by {@link #drop}, forgotten at once so that their place is free, whose IN_IGNORED is still to
     * be read: their events are nobody's (an unknown descriptor would advance every share).
     */
    private final Set<Integer> removed = ConcurrentHashMap.newKeySet();

    private final Map<Integer, Watch> byWd = new ConcurrentHashMap<>();
    /** The shares that watch: every one forgets its paths when events were lost. */
    private final Set<ShareRoot> watching =
            Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    /** Watches removed on purpose ({@link #awaitQueued}), by descriptor: their IN_IGNORED ends the wait. */
    private final Map<Integer, CountDownLatch> barriers = new ConcurrentHashMap<>();

    /**
     * The gateway's own renames and unlinks under way in watched directories, by watch, event and name: their events
     * tell no move by the host (each advances what it must itself), and every unlink in a watched directory made each
     * handle of the share ask the kernel again, with one lookup per level. Present or not, never counted: the kernel
     * merges identical events queued back to back (two unlinks of one name, a create between them), so a count could
     * keep a credit no event takes, and the host's next unlink of that name would pass for the gateway's own. Own
     * changes of one name in one directory are made one at a time ({@link #own}); one whose event is left unmatched
     * only advances the counters (safe).
     */
    private final Set<Own> own = ConcurrentHashMap.newKeySet();

    private volatile boolean broken;

    /** Events the reader has read (tests: what a VM's requests cost the thread every VM shares). */
    private final LongAdder eventsRead = new LongAdder();

    /** The gateway's changes of one name in one watched directory, one at a time ({@link #own}); by stripe. */
    private final ReentrantLock[] changing =
            Stream.generate(ReentrantLock::new).limit(64).toArray(ReentrantLock[]::new);

    /**
     * The most watches this gateway holds at once: half of {@code fs.inotify.max_user_watches}, which counts every
     * inotify watch of the host user the gateway runs as (root: systemd, udev). A VM may walk into as many directories
     * as its budget allows, 16,384 by default, and kernels before 5.11 allow 8,192 watches a user: without this bound
     * one VM left the host's own services none. Past it, directories go unwatched (their handles ask the kernel).
     */
    private volatile int maxWatches = hostWatchLimit() / 2;

    /** The directories one share watches, for the VM whose request made it watch the first. */
    private static final class Held {
        final String vm;
        /** By identity: a share that starts over removes only its own watches, not a scan of every share's. */
        final Set<Watch> watches = Collections.newSetFromMap(new IdentityHashMap<>());

        Held(String vm) {
            this.vm = vm;
        }
    }

    /** {@code event}: {@link #IN_MOVED_FROM} for a rename, {@link #IN_DELETE} for an unlink. */
    private record Own(int wd, int event, String name) {}

    /** A rename or unlink the gateway makes. */
    @FunctionalInterface
    interface Change {
        void make() throws P9Exception;
    }

    /**
     * One watched directory: its watch descriptor, its key in {@link #byDir} (so that forgetting it is one removal,
     * not a scan of every watch on the reader's thread), the shares whose paths pass through it.
     */
    private static final class Watch {
        final int wd;
        final FileKey dir;
        volatile ShareRoot[] shares;

        Watch(int wd, FileKey dir, ShareRoot share) {
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

    private HostMoves(int fd) {
        this.fd = fd;
    }

    private static HostMoves start() {
        try {
            HostMoves moves = new HostMoves(LinuxSyscalls.inotifyInit(IN_CLOEXEC));
            Thread.ofPlatform().daemon().name("p9gate-host-moves").start(moves::readEvents);
            return moves;
        } catch (P9Exception | RuntimeException | LinkageError e) {
            // Nothing can be watched: every watching share's handles ask the kernel (fail safe), a little slower.
            LOG.log(
                    System.Logger.Level.WARNING,
                    "moves made on the host cannot be watched (" + e.getMessage()
                            + "): handles in shares whose rules differ by path ask the kernel at each request");
            return null;
        }
    }

    /** {@code share} watches from now on (until it closes). */
    static void watching(ShareRoot share) {
        HostMoves moves;
        synchronized (HostMoves.class) {
            if (!started) {
                started = true;
                watcher = start();
            }
            moves = watcher;
        }
        if (moves != null) {
            moves.watching.add(share);
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
     * watches, one event each for the reader every VM shares; its handle asks the kernel instead.
     */
    static boolean watchWithinCap(ShareRoot share, Node dir) {
        return watch(share, dir, false);
    }

    /** Whether a path through {@code dirs} directories needs more watches than a share of the current VM holds. */
    static boolean pastCap(int dirs) {
        return dirs > cap();
    }

    private static boolean watch(ShareRoot share, Node dir, boolean mayStartOver) {
        HostMoves moves = watcher;
        if (moves == null || moves.broken) {
            return false;
        }
        Watch known = moves.byDir.get(dir.key());
        return (known != null && known.has(share)) || moves.add(share, dir, mayStartOver);
    }

    private synchronized boolean add(ShareRoot share, Node dir, boolean mayStartOver) {
        String vm = VmBudget.current().vm();
        if (dirsOf(share) >= cap()) {
            if (!mayStartOver) {
                return false;
            }
            startOver(share);
        }
        Watch known = byDir.get(dir.key());
        if (known != null) {
            if (!known.has(share)) {
                ShareRoot[] more = Arrays.copyOf(known.shares, known.shares.length + 1);
                more[more.length - 1] = share;
                known.shares = more;
                holds(share, vm, known);
            }
            return true;
        }
        if (refusingForTests || (byWd.size() >= maxWatches && !makeRoom(vm))) {
            return false;
        }
        try {
            // As the gateway: a guest's host user (permissions: enforce) may not read the directory, which a watch
            // needs.
            int wd = HostCredentials.asGateway(
                    () -> dir.use(dirFd -> LinuxSyscalls.inotifyAddWatch(fd, LinuxSyscalls.procPath(dirFd), MASK)));
            Watch watch = new Watch(wd, dir.key(), share);
            byWd.put(wd, watch);
            byDir.put(watch.dir, watch);
            holds(share, vm, watch);
            return true;
        } catch (P9Exception e) {
            return false; // ENOSPC (max_user_watches), EACCES, ...: covers nothing
        }
    }

    /** {@code share} watches {@code watch}, counted to {@code vm} if it is the share's first (guarded by this). */
    private void holds(ShareRoot share, String vm, Watch watch) {
        held.computeIfAbsent(share, s -> new Held(vm)).watches.add(watch);
    }

    /**
     * Every watch of {@code share} removed first, then its counter advanced, so no path learned through a directory
     * it no longer watches is used; its handles learn theirs again, watching anew.
     */
    private void startOver(ShareRoot share) {
        drop(share);
        share.renames().advance();
    }

    private int dirsOf(ShareRoot share) {
        Held h = held.get(share);
        return h == null ? 0 : h.watches.size();
    }

    /**
     * Every watch is held and {@code vm} needs one more: a VM at its fair part starts its own largest share over;
     * one within it takes the place from the VM most over its part, whose largest share starts over. No VM over its
     * part (a floor above an even split): nothing is taken, the directory goes unwatched.
     */
    private boolean makeRoom(String vm) {
        Map<String, Integer> byVm = new HashMap<>();
        held.values().forEach(h -> byVm.merge(h.vm, h.watches.size(), Integer::sum));
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
        if (giver == null) {
            return false;
        }
        String from = giver;
        held.entrySet().stream()
                .filter(e -> e.getValue().vm.equals(from))
                .max(Comparator.comparingInt(e -> e.getValue().watches.size()))
                .map(Map.Entry::getKey)
                .ifPresent(this::startOver);
        return byWd.size() < maxWatches;
    }

    /** Each of {@code vms} VMs that watch may hold this many of the gateway's watches once all are held. */
    private int fairPart(int vms) {
        return Math.max(LEAST_FAIR_PART, maxWatches / vms);
    }

    /** The cap of the VM whose request adds a watch: {@link #MIN_WATCHES}..{@link #MAX_WATCHES}, its fids. */
    private static int cap() {
        long fids = VmBudget.current().fids().limit();
        return Math.clamp(fids, MIN_WATCHES, MAX_WATCHES);
    }

    /**
     * Tests: held, the reader stops before handling the events it has read, so that those queued meanwhile stay in
     * the kernel's queue, where identical adjacent ones are merged.
     */
    static final ReentrantLock holdForTests = new ReentrantLock();

    /** Tests: run after a rename that may replace its destination, before its source name is looked at. */
    static volatile Runnable beforeRenameCheckForTests;

    /** Tests: whether {@code thread} waits to make a change of a name another change of it is making. */
    static boolean waitingForTests(Thread thread) {
        HostMoves moves = watcher;
        return moves != null && Arrays.stream(moves.changing).anyMatch(lock -> lock.hasQueuedThread(thread));
    }

    /** Tests: no directory can be watched from now on, as when {@code fs.inotify.max_user_watches} is reached. */
    static volatile boolean refusingForTests;

    /** Directories {@code share} watches (tests). */
    static int watchedBy(ShareRoot share) {
        HostMoves moves = watcher;
        if (moves == null) {
            return 0;
        }
        synchronized (moves) {
            return moves.dirsOf(share);
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
     * gateway's own (a VM's Tlink then Trenameat onto the link). The source name still there after it withdraws the
     * notes; made anew meanwhile, the rename's events, unmatched, only advance the counters. One statx.
     */
    static void renamed(Node oldDir, String oldName, Node newDir, String newName, boolean replacing, Change change)
            throws P9Exception {
        own(oldDir, oldName, IN_MOVED_FROM, newDir, newName, replacing, change);
    }

    /**
     * The gateway's changes of one name in one directory are made one at a time (by stripe), watched or not: an
     * unlink of a rename's source name by another request between the rename and its look at that name would make
     * a rename that did nothing look like one that moved the name, and its notes would stay for the host's moves.
     */
    private static void own(
            Node dir, String name, int event, Node newDir, String newName, boolean replacing, Change change)
            throws P9Exception {
        HostMoves moves = watcher;
        if (moves == null) {
            change.make();
            return;
        }
        Watch from = moves.byDir.get(dir.key());
        Watch to = newDir == null ? null : moves.byDir.get(newDir.key());
        Own gone = from == null ? null : new Own(from.wd, event, name);
        Own made = to == null ? null : new Own(to.wd, IN_MOVED_TO, newName);
        ReentrantLock changing =
                moves.changing[Math.floorMod(31 * dir.key().hashCode() + name.hashCode(), moves.changing.length)];
        changing.lock();
        try {
            moves.note(gone, from);
            moves.note(made, to);
            try {
                change.make();
            } catch (P9Exception | RuntimeException e) {
                moves.withdraw(gone, from);
                moves.withdraw(made, to);
                throw e;
            }
            if (replacing && (gone != null || made != null) && moves.notMoved(dir, name)) {
                moves.forgo(gone);
                moves.forgo(made);
            }
        } finally {
            changing.unlock();
        }
    }

    private void note(Own change, Watch watch) {
        if (change != null) {
            own.add(change);
            if (byWd.get(watch.wd) != watch) {
                own.remove(change); // the watch went meanwhile: no event of it will take the note
            }
        }
    }

    private void forgo(Own change) {
        if (change != null) {
            own.remove(change);
        }
    }

    /** A change that failed: its note withdrawn; already taken, the event that took it may have been the host's. */
    private void withdraw(Own change, Watch watch) {
        if (change != null && !own.remove(change)) {
            watch.advanceShares();
        }
    }

    /** After a rename of {@code name} out of {@code dir} that may have done nothing: whether the name is still there. */
    private boolean notMoved(Node dir, String name) {
        Runnable hook = beforeRenameCheckForTests;
        if (hook != null) {
            hook.run();
        }
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

    /** For tests: the most watches held at once, as on a host allowing twice that; returns the limit before. */
    static int watchesAtMost(int limit) {
        HostMoves moves = watcher;
        int before = moves.maxWatches;
        moves.maxWatches = limit;
        return before;
    }

    /** For tests: how many events the reader has read ({@link #awaitQueued} adds one). */
    static long eventsRead() {
        HostMoves moves = watcher;
        return moves == null ? 0 : moves.eventsRead.sum();
    }

    /** For tests: how many watches are held. */
    static int watches() {
        HostMoves moves = watcher;
        return moves == null ? 0 : moves.byWd.size();
    }

    /** {@code share} closed: it is told nothing more, and the watches only it used are removed. */
    static void closed(ShareRoot share) {
        HostMoves moves = watcher;
        if (moves != null) {
            moves.watching.remove(share);
            moves.drop(share);
        }
    }

    private synchronized void drop(ShareRoot share) {
        Held h = held.remove(share);
        if (h == null) {
            return;
        }
        for (Watch watch : h.watches) {
            watch.shares = Arrays.stream(watch.shares).filter(s -> s != share).toArray(ShareRoot[]::new);
            if (watch.shares.length == 0) {
                // Its place free now, for the request that may be making room; its last events are nobody's.
                removed.add(watch.wd);
                forget(watch);
                try {
                    LinuxSyscalls.inotifyRmWatch(fd, watch.wd);
                } catch (P9Exception e) {
                    // already removed by the kernel (its directory gone): its IN_IGNORED is queued all the same
                }
            }
        }
    }

    private void readEvents() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(64 * 1024, 8);
            while (true) {
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
                        eventsRead.increment();
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
        } catch (P9Exception | RuntimeException e) {
            // No more events can be read: nothing is watched from now on, and every watching share forgets.
            broken = true;
            advanceAll();
            LOG.log(
                    System.Logger.Level.WARNING,
                    "moves made on the host are no longer watched (" + e.getMessage()
                            + "): handles in shares whose rules differ by path ask the kernel at each request");
        }
    }

    /**
     * One event as if read from the kernel ({@code name} that of the entry, or null), for tests: an overflow, or two
     * events the kernel merged, cannot be made to happen on demand.
     */
    static void handleEvent(int wd, int mask, String name) {
        HostMoves moves = watcher;
        if (moves != null) {
            moves.read(wd, mask, name);
        }
    }

    /** The watch descriptor of {@code dir}, or -1 if it is not watched (tests). */
    static int watchOf(Node dir) {
        HostMoves moves = watcher;
        Watch watch = moves == null ? null : moves.byDir.get(dir.key());
        return watch == null ? -1 : watch.wd;
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
            // Events were lost: any watched directory may have moved, and an own change's event may be among them,
            // whose credit would take the host's next event of that name.
            own.clear();
            removed.clear(); // their IN_IGNORED may be among those lost; one read later only advances every share
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
            synchronized (this) {
                forget(watch);
            }
        }
        watch.advanceShares();
    }

    /** The watch is gone (its directory removed, unmounted, or the watch removed): its directory is unwatched. */
    private void forget(Watch watch) {
        if (byWd.remove(watch.wd, watch)) {
            byDir.remove(watch.dir, watch);
            // No event of the watch comes after its IN_IGNORED (or its removal here): a note left would wait for
            // whatever watch gets its descriptor again and pass an event of that one for the gateway's own.
            own.removeIf(o -> o.wd() == watch.wd);
            for (ShareRoot share : watch.shares) {
                Held h = held.get(share);
                if (h != null && h.watches.remove(watch) && h.watches.isEmpty()) {
                    held.remove(share);
                }
            }
        }
    }

    private void advanceAll() {
        List<ShareRoot> all;
        synchronized (watching) {
            all = List.copyOf(watching);
        }
        for (ShareRoot share : all) {
            share.renames().advance();
        }
    }

    /**
     * For tests: returns once every event the kernel queued before the call has been handled (events are read in
     * order, and a watch removed here queues one more behind them).
     *
     * @throws IllegalStateException if nothing is watched in this process, or the events stopped being read
     */
    static void awaitQueued() throws InterruptedException {
        HostMoves moves = watcher;
        if (moves == null || moves.broken) {
            throw new IllegalStateException("host moves are not watched in this process");
        }
        Path marker;
        try {
            marker = Files.createTempDirectory("p9gate-host-moves");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            CountDownLatch seen = new CountDownLatch(1);
            int wd;
            synchronized (moves) {
                wd = LinuxSyscalls.inotifyAddWatch(moves.fd, marker.toString(), IN_ONLYDIR | IN_DELETE_SELF);
                moves.barriers.put(wd, seen);
            }
            LinuxSyscalls.inotifyRmWatch(moves.fd, wd);
            if (!seen.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the host moves' events are not being read");
            }
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
