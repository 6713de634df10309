package io.p9gate.gateway.backend;

import static io.p9gate.gateway.backend.HostMoves.IN_CREATE;
import static io.p9gate.gateway.backend.HostMoves.IN_DELETE;
import static io.p9gate.gateway.backend.HostMoves.IN_DELETE_SELF;
import static io.p9gate.gateway.backend.HostMoves.IN_IGNORED;
import static io.p9gate.gateway.backend.HostMoves.IN_MOVED_FROM;
import static io.p9gate.gateway.backend.HostMoves.IN_MOVED_TO;
import static io.p9gate.gateway.backend.HostMoves.IN_MOVE_SELF;
import static io.p9gate.gateway.backend.HostMoves.IN_ONLYDIR;
import static io.p9gate.gateway.backend.HostMoves.IN_Q_OVERFLOW;
import static io.p9gate.gateway.backend.HostMoves.LOCK;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;

/**
 * One VM's inotify instance and the thread that reads it ({@link HostMoves}): the events one VM's requests queue, and
 * an overflow of its queue, cost only that VM's shares, and its reader being behind delays no other VM's. What the
 * instance watches is changed under {@link HostMoves#LOCK}; the reader takes the lock only to forget a watch the
 * kernel removed, or every watch after an overflow. Watches are removed from the kernel out of that lock.
 */
final class VmInotify {
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

    /** Events every reader has read (tests: what a VM's requests cost the readers). */
    private static final LongAdder EVENTS_READ = new LongAdder();

    private final String vm;
    private final InotifyDescriptor descriptor;
    private final Map<FileKey, DirWatch> byDir = new ConcurrentHashMap<>();
    private final Map<Integer, DirWatch> byWd = new ConcurrentHashMap<>();

    /**
     * Watches given up ({@link #forgetRemoved}), forgotten at once so that their place is free, whose IN_IGNORED is
     * still to be read: their events are nobody's (an unknown descriptor would advance every share of the instance).
     */
    private final Set<Integer> removed = ConcurrentHashMap.newKeySet();

    /** The shares bound to this instance: every one forgets its paths when its events were lost. */
    private final Set<ShareRoot> watching =
            Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));

    private final QueueMarkers markers = new QueueMarkers();

    private final OwnChangeNotes notes = new OwnChangeNotes();

    private volatile boolean broken;

    /** Its VM's last share closed: the reader closes the instance at its next event ({@link #stop}). */
    private volatile boolean stopping;

    private VmInotify(String vm, int fd) {
        this.vm = vm;
        this.descriptor = new InotifyDescriptor(fd);
        this.broken = fd < 0;
    }

    /**
     * {@code vm}'s instance and its reader; one that watches nothing if the kernel gives no instance (EMFILE at
     * {@code fs.inotify.max_user_instances}): that VM's handles ask the kernel at each request, a little slower.
     */
    static VmInotify start(String vm) {
        try {
            VmInotify inotify = new VmInotify(vm, LinuxSyscalls.inotifyInit(IN_CLOEXEC));
            Thread.ofPlatform().daemon().name("p9gate-host-moves-" + vm).start(inotify::readEvents);
            return inotify;
        } catch (P9Exception | RuntimeException | LinkageError e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "moves made on the host cannot be watched for VM " + vm + " (" + e.getMessage()
                            + "): handles in its shares whose rules differ by path ask the kernel at each request");
            return new VmInotify(vm, -1);
        }
    }

    String vm() {
        return vm;
    }

    boolean broken() {
        return broken;
    }

    OwnChangeNotes notes() {
        return notes;
    }

    /** The watch of directory {@code dir}, or null. */
    DirWatch watched(FileKey dir) {
        return byDir.get(dir);
    }

    /** Whether {@code watch} is still this instance's (not removed, by the gateway or the kernel). */
    boolean holds(DirWatch watch) {
        return byWd.get(watch.wd) == watch;
    }

    int watchCount() {
        return byWd.size();
    }

    /** Watches forgotten whose removal from the kernel is still to be made. */
    int unremovedCount() {
        return descriptor.unremovedCount();
    }

    /** For tests: the watches the kernel holds for this instance, however many it still records. */
    int kernelWatchCount() throws IOException {
        return broken ? 0 : KernelWatches.of(descriptor.fd()).descriptors().size();
    }

    /** Dropped watches whose IN_IGNORED is still to be read (tests). */
    int droppedUnread() {
        return removed.size();
    }

    /** {@code share} uses this instance (guarded by LOCK). */
    void bind(ShareRoot share) {
        watching.add(share);
    }

    /** {@code share} closed; whether it was the last to use this instance (guarded by LOCK). */
    boolean unbind(ShareRoot share) {
        watching.remove(share);
        return watching.isEmpty();
    }

    /** Watches {@code dir} for {@code share} (guarded by LOCK). */
    DirWatch add(Node dir, ShareRoot share) throws P9Exception {
        return descriptor.add(dir, MASK, (wd, givenBack) -> {
            if (givenBack) {
                // The directory's watch, forgotten but not yet removed, given back: kept, no IN_IGNORED to await.
                // Removed after this, it was taken for watched while the kernel told nothing of it.
                removed.remove(wd);
            }
            DirWatch watch = new DirWatch(this, wd, dir.key(), share);
            byWd.put(wd, watch);
            byDir.put(watch.dir, watch);
            return watch;
        });
    }

    /**
     * {@code watch} is no share's any more: forgotten, its last events nobody's, its removal from the kernel left to
     * {@link #removeFromKernel} once LOCK is released (guarded by LOCK).
     */
    void forgetRemoved(DirWatch watch) {
        removed.add(watch.wd);
        forget(watch);
        descriptor.forgotten(watch.wd);
    }

    /**
     * Removes from the kernel the watches {@link #forgetRemoved} forgot, not holding LOCK: up to a share's cap of
     * {@code inotify_rm_watch} (~80 ms for 8,192) during which every VM's next watch waited.
     */
    static void removeFromKernel(List<DirWatch> forgotten) {
        for (DirWatch watch : forgotten) {
            watch.inotify.removeFromKernel(watch.wd);
        }
    }

    private void removeFromKernel(int wd) {
        IntConsumer removing = HostMoves.removingForTests;
        if (removing != null) {
            removing.accept(wd);
        }
        // Closing the instance removes every watch; one given back meanwhile is watched again. One already removed
        // by the kernel (its directory gone) had its IN_IGNORED queued then, which may have been read already;
        // awaited, its descriptor would stay for ever (WatchEndRaceAttackTest). Still unread, it only advances the
        // instance's shares.
        descriptor.remove(wd, () -> stopping, () -> removed.remove(wd));
    }

    /**
     * The watch is gone (its directory removed, unmounted, or the watch removed): its directory is unwatched;
     * whether it was still recorded (guarded by LOCK).
     */
    private boolean forget(DirWatch watch) {
        if (!byWd.remove(watch.wd, watch)) {
            return false;
        }
        byDir.remove(watch.dir, watch);
        notes.forget(watch.wd);
        return true;
    }

    /** Its shares all closed: the reader, woken by one more event, closes the instance and ends (under LOCK). */
    void stop() {
        stopping = true;
        if (broken) {
            return; // no instance, or the reader ended and closed it
        }
        try {
            Path marker = Files.createTempDirectory("p9gate-host-moves");
            try {
                int fd = descriptor.fd();
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

    /**
     * Reads and handles events until {@link #stop}; then, or if it dies of whatever it runs into (an Error too), it
     * closes the instance itself, the only one to close it. Before, a reader failing after {@link #stop} saw it alive
     * left the instance open, and one killed by an Error left its shares trusting paths no event would outdate
     * (WatchReaderEndAttackTest).
     */
    private void readEvents() {
        boolean stopped = false;
        try {
            readUntilStopped();
            stopped = true;
        } catch (P9Exception | RuntimeException e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "moves made on the host are no longer watched for VM " + vm + " (" + e.getMessage()
                            + "): handles in its shares whose rules differ by path ask the kernel at each request");
        } finally {
            end(stopped);
        }
    }

    /**
     * The reader ends: the instance is closed, and unless its shares all closed, nothing is watched from now on
     * (watches forgotten, their places free) and every share of the instance forgets.
     */
    private void end(boolean stopped) {
        if (!stopped) {
            broken = true; // before the advance: a path learned after it watches nothing
        }
        synchronized (LOCK) { // not while stop() wakes it: its number could name another VM's instance
            if (!stopped) {
                shares().forEach(WatchBudget::drop);
                WatchBudget.takeForgotten(); // closing the instance removes them
            }
            descriptor.close();
        }
        if (!stopped) {
            advanceAll();
        }
    }

    private void readUntilStopped() throws P9Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(64 * 1024, 8);
            while (!stopping) {
                long n;
                try {
                    n = LinuxSyscalls.readEvents(descriptor.fd(), buf);
                } catch (P9Exception e) {
                    if (e.errno() == Errno.EINTR) {
                        continue;
                    }
                    throw e;
                }
                HostMoves.holdForTests.lock();
                try {
                    Runnable reading = HostMoves.readingForTests;
                    if (reading != null) {
                        reading.run();
                    }
                    InotifyEvents.forEach(buf, n, () -> !notes.isEmpty(), (wd, mask, name) -> {
                        EVENTS_READ.increment();
                        read(wd, mask, name);
                    });
                } finally {
                    HostMoves.holdForTests.unlock();
                }
            }
        }
    }

    /**
     * One event ({@code name} that of the entry, or null), as read from the kernel; tests call it directly. A
     * directory removed from a watched one, or moved onto a name in it, moves no remembered path: a directory has
     * no other name, so a removed one's handles keep its last path, the one the kernel reports for it (its own
     * events, if it is watched, tell the rest); one moved onto a name replaces at most an empty directory, and was
     * moved from a directory whose IN_MOVED_FROM tells the move, or from one the share does not watch, through
     * which no path is remembered. Taken for moves, another VM's Tmkdir and Tremove of one name in a directory of an
     * overlapping share advanced that share twice a round (OverlappingChurnAdvancesAttackTest).
     */
    void read(int wd, int mask, String name) {
        int kind = mask & ~IN_ISDIR;
        if (kind == IN_CREATE) {
            return; // read only to keep the events around it apart (MASK)
        }
        int event = mask & (IN_MOVED_FROM | IN_DELETE | IN_MOVED_TO);
        if (event != 0 && name != null && notes.take(wd, event, name)) {
            return; // the gateway's own
        }
        if (mask == (IN_DELETE | IN_ISDIR) || mask == (IN_MOVED_TO | IN_ISDIR)) {
            return; // after its note is taken, which must not wait for the host's next event of the name
        }
        handle(wd, mask);
    }

    private void handle(int wd, int mask) {
        if ((mask & IN_Q_OVERFLOW) != 0) {
            // Events were lost: any directory this instance watches may have moved, and an own change's event may be
            // among them, whose note would take the host's next event of that name.
            notes.clear();
            List<DirWatch> forgotten;
            synchronized (LOCK) {
                forgotten = forgetLost();
            }
            advanceAll();
            removeFromKernel(forgotten);
            return;
        }
        if (removed.contains(wd)) {
            if ((mask & IN_IGNORED) != 0) {
                removed.remove(wd);
            }
            return;
        }
        if (markers.take(wd, mask)) {
            return;
        }
        DirWatch watch = byWd.get(wd);
        if (watch == null) {
            advanceAll(); // a watch not yet recorded: whose it is is not known yet
            return;
        }
        if ((mask & IN_IGNORED) != 0) {
            // Forgotten before the shares advance: a lookup that still took the directory for watched is outdated by
            // the advance, and one after it watches the directory (an inode number the kernel reuses) anew.
            synchronized (LOCK) {
                if (forget(watch)) {
                    WatchBudget.forgotten(watch);
                }
            }
        }
        watch.advanceShares();
    }

    /**
     * After an overflow: the IN_IGNORED of a watch the kernel removed (its directory gone) may be among the events
     * lost. Kept, such a watch would hold a place for good and take its directory's inode number, given to another
     * directory, for watched (WatchLostToOverflowAttackTest). The kernel lists the watches it still holds: only the
     * others are forgotten. Every watch was removed before, its shares watching anew: a VM whose share contains
     * another VM's lost them all to that VM's requests, which queue on both instances, and its reader spent up to
     * 8,192 removals, each one more IN_IGNORED on its queue (OverlappingShareOverflowAttackTest). Returns what is to
     * be removed from the kernel after LOCK (guarded by LOCK).
     */
    private List<DirWatch> forgetLost() {
        KernelWatches kernel;
        try {
            kernel = KernelWatches.of(descriptor.fd());
        } catch (IOException e) {
            // Which watches the kernel still holds cannot be told: every one is removed, its shares watch anew.
            LOG.log(
                    System.Logger.Level.WARNING,
                    "after events of VM " + vm + " were lost, its watches start over: " + e);
            removed.clear();
            shares().forEach(WatchBudget::drop);
            return WatchBudget.takeForgotten();
        }
        // Removed ones the kernel still holds have their IN_IGNORED to come; the others' may have been lost, and one
        // read later only advances the shares.
        removed.removeIf(wd -> !kernel.holds(wd));
        for (DirWatch watch : List.copyOf(byWd.values())) {
            if (!kernel.holds(watch.wd) && forget(watch)) {
                WatchBudget.forgotten(watch);
            }
        }
        return List.of();
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

    /** For tests: how many events the readers have read, not counting {@link #awaitQueued}'s markers. */
    static long eventsRead() {
        return EVENTS_READ.sum() - QueueMarkers.read();
    }

    /**
     * For tests: returns once every event the kernel queued before the call has been handled.
     *
     * @throws IllegalStateException if the instance's events stopped being read
     */
    void awaitQueued() throws InterruptedException {
        if (broken) {
            throw new IllegalStateException("host moves are not watched for VM " + vm);
        }
        markers.await(descriptor.fd(), vm);
    }
}
