package io.p9gate.gateway.backend;

import io.p9gate.gateway.budget.VmBudget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How many directories each share and each VM may watch ({@link HostMoves}), every method guarded by {@link
 * HostMoves#LOCK}. A share watches at most {@link #cap} directories; past that it starts over: its watches all
 * removed, then its counter advanced, so its handles learn their paths again, watching the directories along them
 * anew. The gateway's watches ({@link #maxWatches}) are shared fairly between the VMs that hold some: a VM may use
 * what the others leave, but once all are held, a VM within its {@link #fairPart} takes its next watch from the VM
 * most over its part (whose largest share gives up what that VM holds beyond its part), and a VM at its part starts
 * one of its own shares over. A VM that connects after another took every watch thus still gets its part.
 */
final class WatchBudget {
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

    /** Directories each share watches, and for which VM. */
    private static final Map<ShareRoot, Held> HELD = new IdentityHashMap<>();

    /**
     * The most watches this gateway holds at once, every VM's instance together: half of {@code
     * fs.inotify.max_user_watches}, which counts every inotify watch of the host user the gateway runs as (root:
     * systemd, udev). A VM may walk into as many directories as its budget allows, 16,384 by default, and kernels
     * before 5.11 allow 8,192 watches a user: without this bound one VM left the host's own services none. Past it,
     * directories go unwatched (their handles ask the kernel).
     */
    private static volatile int maxWatches = hostWatchLimit() / 2;

    /**
     * Watches forgotten under the lock and not yet removed from the kernel: each caller takes them ({@link
     * #takeForgotten}) and removes them once the lock is released ({@link VmInotify#removeFromKernel}).
     */
    private static final List<DirWatch> FORGOTTEN = new ArrayList<>();

    /** The directories one share watches, for the VM whose request made it watch the first. */
    private static final class Held {
        final String vm;
        /**
         * By identity (a DirWatch has no equals): a share that starts over removes only its own watches, not a scan
         * of every share's. In the order they were added: room taken from the share is its newest watches, the root
         * and the directories near it, which most of its paths pass through, kept longest.
         */
        final LinkedHashSet<DirWatch> watches = new LinkedHashSet<>();

        Held(String vm) {
            this.vm = vm;
        }
    }

    private WatchBudget() {}

    /** The cap of the VM whose request adds a watch: {@link #MIN_WATCHES}..{@link #MAX_WATCHES}, its fids. */
    static int cap() {
        long fids = VmBudget.current().fids().limit();
        return Math.clamp(fids, MIN_WATCHES, MAX_WATCHES);
    }

    static int dirsOf(ShareRoot share) {
        Held h = HELD.get(share);
        return h == null ? 0 : h.watches.size();
    }

    /** {@code share} watches {@code watch}, counted to {@code vm} if it is the share's first. */
    static void holds(ShareRoot share, String vm, DirWatch watch) {
        HELD.computeIfAbsent(share, s -> new Held(vm)).watches.add(watch);
    }

    /** Watches held by every VM's instance. */
    static int watchCount() {
        int count = 0;
        for (VmInotify inotify : HostMoves.instances()) {
            count += inotify.watchCount();
        }
        return count;
    }

    /**
     * Watches every VM's instance holds in the kernel: those held, and those forgotten whose {@code inotify_rm_watch}
     * is still to be made, which count against {@code fs.inotify.max_user_watches} as much.
     */
    static int inKernel() {
        int count = 0;
        for (VmInotify inotify : HostMoves.instances()) {
            count += inotify.watchCount() + inotify.unremovedCount();
        }
        return count;
    }

    /**
     * Whether {@code vm} may add a watch now, room made for it if every watch is held ({@link #makeRoom}). Counted as
     * the kernel counts them: a share starting over forgets up to 8,192 watches, removed after the lock, and other
     * VMs' watches taken against their places meanwhile put the gateway past its half of the host's limit, where the
     * host's own services, or another VM, got ENOSPC (ForgottenWatchesWithinLimitAttackTest). Such a directory goes
     * unwatched, its handles asking the kernel, until the removals are made.
     */
    static boolean roomFor(String vm, boolean mayStartOver) {
        if (inKernel() < maxWatches) {
            return true;
        }
        makeRoom(vm, mayStartOver);
        // What makeRoom forgot is still in the kernel: one of them removed now, under the lock, is the room taken.
        while (inKernel() >= maxWatches && !FORGOTTEN.isEmpty()) {
            VmInotify.removeFromKernel(List.of(FORGOTTEN.removeLast()));
        }
        return inKernel() < maxWatches;
    }

    /**
     * Every watch of {@code share} removed first, then its counter advanced, so no path learned through a directory
     * it no longer watches is used; its handles learn theirs again, watching anew.
     */
    static void startOver(ShareRoot share) {
        drop(share);
        share.renames().advance();
    }

    /**
     * The {@code count} watches {@code share} added last given up (every one if it holds no more), by every share
     * holding them: a VM's shares of one directory, or of one inside another, hold its watches together, and one
     * released by this share alone stayed, freeing no room (WatchGiverOverlappingSharesAttackTest). Each share that
     * lost one then starts over, its counter advanced.
     */
    private static void give(ShareRoot share, int count) {
        Held h = HELD.get(share);
        if (h == null) {
            return;
        }
        List<DirWatch> newest = new ArrayList<>(h.watches.reversed());
        Set<ShareRoot> losing = Collections.newSetFromMap(new IdentityHashMap<>());
        for (DirWatch watch : newest.subList(0, Math.min(count, newest.size()))) {
            losing.addAll(List.of(watch.shares()));
            forgotten(watch);
            forgetForRemoval(watch);
        }
        losing.forEach(s -> s.renames().advance());
    }

    /**
     * Every watch is held and {@code vm} needs one more: a VM at its fair part starts its own largest share over
     * ({@code mayStartOver}: a walk, not a descent); one within it takes the place from the VM most over its part,
     * whose largest share gives up its newest watches, down to that VM's part. No VM over its part (a floor above an
     * even split), or a descent of a VM at its part: nothing is taken, the directory goes unwatched. A descent that
     * started its own VM's largest share over, often the descending share, did so at every request on its handle
     * and never learned the path (DescentAtWatchLimitAttackTest).
     */
    private static void makeRoom(String vm, boolean mayStartOver) {
        // Each VM's watches as its instance holds them: counted by share, a watch its shares of one directory hold
        // together counted once per share, and the VM looked over its part.
        Map<String, Integer> byVm = watchesByVm();
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
            return;
        }
        String from = giver;
        // Another VM gives only what it holds beyond its part: its largest share's watches taken wholesale left it
        // none, far below its part, for one watch of this VM's (WatchGiverKeepsItsPartAttackTest).
        int beyond = giver.equals(vm) ? Integer.MAX_VALUE : byVm.get(giver) - part;
        HELD.entrySet().stream()
                .filter(e -> e.getValue().vm.equals(from))
                .max(Comparator.comparingInt(e -> e.getValue().watches.size()))
                .map(Map.Entry::getKey)
                .ifPresent(share -> give(share, beyond));
    }

    /** The fair part of each VM now, counting the VMs whose instances hold a watch. */
    static int fairPartNow() {
        return fairPart(Math.max(1, watchesByVm().size()));
    }

    /** The watches of each VM whose instances hold some. */
    private static Map<String, Integer> watchesByVm() {
        Map<String, Integer> byVm = new HashMap<>();
        for (VmInotify inotify : HostMoves.instances()) {
            if (inotify.watchCount() > 0) {
                byVm.merge(inotify.vm(), inotify.watchCount(), Integer::sum);
            }
        }
        return byVm;
    }

    /** Each of {@code vms} VMs that watch may hold this many of the gateway's watches once all are held. */
    private static int fairPart(int vms) {
        return Math.max(LEAST_FAIR_PART, maxWatches / vms);
    }

    /** {@code share} closed or starts over: it watches nothing, and the watches only it used are removed. */
    static void drop(ShareRoot share) {
        Held h = HELD.remove(share);
        if (h == null) {
            return;
        }
        for (DirWatch watch : h.watches) {
            release(share, watch);
        }
    }

    /** {@code share} no longer holds {@code watch}, forgotten if no other share does. */
    private static void release(ShareRoot share, DirWatch watch) {
        if (!watch.release(share)) {
            forgetForRemoval(watch);
        }
    }

    /**
     * {@code watch} forgotten by its instance now, its place free for the request that may be making room, and queued
     * for its removal from the kernel once the lock is released ({@link #takeForgotten}).
     */
    private static void forgetForRemoval(DirWatch watch) {
        watch.inotify.forgetRemoved(watch);
        FORGOTTEN.add(watch);
    }

    /**
     * The watches forgotten since the last call, to remove from the kernel once the lock is released: a share
     * starting over forgets up to {@link #MAX_WATCHES} (~80 ms of {@code inotify_rm_watch}), and every VM's next watch
     * waited for them (WatchRemovalsOutsideLockAttackTest).
     */
    static List<DirWatch> takeForgotten() {
        List<DirWatch> taken = List.copyOf(FORGOTTEN);
        FORGOTTEN.clear();
        return taken;
    }

    /** The kernel removed {@code watch} (its directory gone), or it is given up: none of its shares holds it any more. */
    static void forgotten(DirWatch watch) {
        for (ShareRoot share : watch.shares()) {
            Held h = HELD.get(share);
            if (h != null && h.watches.remove(watch) && h.watches.isEmpty()) {
                HELD.remove(share);
            }
        }
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
        int before = maxWatches;
        maxWatches = limit;
        return before;
    }
}
