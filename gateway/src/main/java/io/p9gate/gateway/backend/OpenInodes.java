package io.p9gate.gateway.backend;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The inodes the gateway holds a handle on ({@link Node}s of every session and VM), by (device, inode).
 * An unlinked file keeps its space on the host until its last descriptor closes; the quota accounting
 * asks here to learn when that happens (R-POL-6). Process-wide because descriptors are.
 */
public final class OpenInodes {
    private static final ConcurrentHashMap<FileKey, Holders> OPEN = new ConcurrentHashMap<>();
    /** The last ticket of an open by name ({@link #opening()}). */
    private static final AtomicLong TICKETS = new AtomicLong();
    /** Tickets of the opens by name under way: their handles are not in {@link #OPEN} yet. */
    private static final ConcurrentSkipListSet<Long> OPENING = new ConcurrentSkipListSet<>();
    /** {@link #whenFreed} actions waiting for the opens under way when they were asked (tickets up to before). */
    private static final ConcurrentLinkedQueue<Waiting> WAITING = new ConcurrentLinkedQueue<>();

    private record Waiting(FileKey key, long before, Runnable action) {}

    /** How many times {@link #heldThroughLostName} has looked so far (it only grows). */
    private static final AtomicLong LOST_NAME_CHECKS = new AtomicLong();

    /** Guarded by the map's bin lock (only touched inside compute). */
    private static final class Holders {
        int handles;
        /** The descriptors of its regular-file handles; made when the first comes. */
        Set<Fd> fds;

        List<Runnable> whenClosed = List.of();

        void add(Fd held) {
            if (fds == null) {
                fds = new HashSet<>(2);
            }
            fds.add(held);
        }

        void remove(Fd held) {
            if (fds != null) {
                fds.remove(held);
            }
        }

        void addTo(List<Fd> into) {
            if (fds != null) {
                into.addAll(fds);
            }
        }
    }

    private OpenInodes() {}

    /** A handle on {@code key} is made; {@code regularFile} is its descriptor if it is a regular file's, else null. */
    static void opened(FileKey key, Fd regularFile) {
        OPEN.compute(key, (k, h) -> {
            Holders holders = h == null ? new Holders() : h;
            holders.handles++;
            if (regularFile != null) {
                holders.add(regularFile);
            }
            return holders;
        });
    }

    /** The handle {@link #opened} with {@code regularFile} closes. */
    static void closed(FileKey key, Fd regularFile) {
        List<List<Runnable>> due = new ArrayList<>(1);
        OPEN.computeIfPresent(key, (k, h) -> {
            if (regularFile != null) {
                h.remove(regularFile);
            }
            if (--h.handles > 0) {
                return h;
            }
            due.add(h.whenClosed);
            return null;
        });
        due.forEach(actions -> actions.forEach(Runnable::run));
    }

    /** Whether some handle on {@code key} is open now. */
    static boolean isOpen(FileKey key) {
        return OPEN.containsKey(key);
    }

    /**
     * Whether a handle open on the regular file {@code key} may hold a name the file has lost ({@link LostNames}):
     * its writes would count where that name was, so the file must not change quota scopes now. One readlink per
     * handle open on it, none if there is none. An open by name under way, not known here yet, checks itself when
     * its handle is made ({@link ConfinedOpens#openNamed}, through {@link #lostNameChecks()}): this look counts before
     * it reads the handles, and such an open makes its handle known before it reads the count, so either this look
     * sees the handle or the open sees the count move.
     */
    public static boolean heldThroughLostName(FileKey key) {
        LOST_NAME_CHECKS.incrementAndGet();
        List<Fd> fds = new ArrayList<>(1);
        OPEN.compute(key, (k, h) -> {
            if (h != null) {
                h.addTo(fds);
            }
            return h;
        });
        for (Fd fd : fds) {
            if (LostNames.mayBeLost(fd)) {
                return true;
            }
        }
        return false;
    }

    /** How many times {@link #heldThroughLostName} has looked: an open that sees it move while under way checks. */
    static long lostNameChecks() {
        return LOST_NAME_CHECKS.get();
    }

    /**
     * Runs {@code action} once the last handle on {@code key} is closed (in the thread that closes it).
     *
     * @return false, registering nothing, if no handle on {@code key} is open now
     */
    public static boolean whenClosed(FileKey key, Runnable action) {
        boolean[] registered = {false};
        OPEN.computeIfPresent(key, (k, h) -> {
            List<Runnable> more = new ArrayList<>(h.whenClosed);
            more.add(action);
            h.whenClosed = more;
            registered[0] = true;
            return h;
        });
        return registered[0];
    }

    /**
     * The last name of {@code key} is gone: runs {@code action} once the host has freed it, i.e. when no handle
     * on it is open. A handle being opened when the name went (its openat done, its Node not made yet) is not
     * known here yet and holds the file all the same: so the action waits, besides the handles open now, for
     * every open under way to make its handle ({@link #opening()}), and then for the last close of the handles
     * open on {@code key}. Those may be a new file's that took its number meanwhile: the action then runs late,
     * never early. A name that was not the last is awaited the same way: the handles opened through it are done.
     */
    public static void whenFreed(FileKey key, Runnable action) {
        long before = TICKETS.get();
        Long oldest = OPENING.ceiling(Long.MIN_VALUE);
        if (oldest != null && oldest <= before) {
            WAITING.add(new Waiting(key, before, action));
            settle(); // the opens may have made their handles meanwhile
        } else if (!whenClosed(key, action)) { // after the look at the opens: one that ended is in OPEN by now
            action.run();
        }
    }

    /**
     * An open by name begins: the ticket to give back to {@link #openDone(long)} once its Node is made (or it
     * failed). Taken before the openat, so an unlink after it sees it under way ({@link #whenFreed}).
     */
    public static long opening() {
        long ticket = TICKETS.incrementAndGet();
        OPENING.add(ticket);
        return ticket;
    }

    /** The open of {@code ticket} made its handle (now in {@link #OPEN}) or failed. */
    public static void openDone(long ticket) {
        OPENING.remove(ticket);
        if (!WAITING.isEmpty()) {
            settle();
        }
    }

    /** Runs or attaches the actions whose opens under way have all made their handles. */
    private static void settle() {
        List<Waiting> due = new ArrayList<>();
        synchronized (WAITING) { // one settle at a time takes each action once
            Long oldest = OPENING.ceiling(Long.MIN_VALUE);
            WAITING.removeIf(w -> {
                boolean ready = oldest == null || oldest > w.before();
                if (ready) {
                    due.add(w);
                }
                return ready;
            });
        }
        for (Waiting w : due) {
            if (!whenClosed(w.key(), w.action())) {
                w.action().run();
            }
        }
    }
}
