package io.p9gate.gateway.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The inodes the gateway holds a handle on ({@link Node}s of every session and VM), by (device, inode).
 * An unlinked file keeps its space on the host until its last descriptor closes; the quota accounting
 * asks here to learn when that happens (R-POL-6). Process-wide because descriptors are.
 */
public final class OpenInodes {
    private static final ConcurrentHashMap<FileKey, Holders> OPEN = new ConcurrentHashMap<>();

    /** Guarded by the map's bin lock (only touched inside compute). */
    private static final class Holders {
        int handles;
        List<Runnable> whenClosed = List.of();
    }

    private OpenInodes() {}

    static void opened(FileKey key) {
        OPEN.compute(key, (k, h) -> {
            Holders holders = h == null ? new Holders() : h;
            holders.handles++;
            return holders;
        });
    }

    static void closed(FileKey key) {
        List<List<Runnable>> due = new ArrayList<>(1);
        OPEN.computeIfPresent(key, (k, h) -> {
            if (--h.handles > 0) {
                return h;
            }
            due.add(h.whenClosed);
            return null;
        });
        due.forEach(actions -> actions.forEach(Runnable::run));
    }

    /** The handles open on {@code key} now, as one opaque token for {@link #whenClosed(FileKey, Object, Runnable)}. */
    public static Object holders(FileKey key) {
        return OPEN.get(key);
    }

    /**
     * Runs {@code action} once the last handle on {@code key} is closed (in the thread that closes it).
     *
     * @return false, registering nothing, if no handle on {@code key} is open now
     */
    public static boolean whenClosed(FileKey key, Runnable action) {
        return whenClosed(key, null, action);
    }

    /**
     * As {@link #whenClosed(FileKey, Runnable)}, only if the handles open on {@code key} are still those of
     * {@code holders} (taken while the inode had a name, so could not be freed): after an unlink, the last of
     * them may close, the host free the inode and a new file take its number, whose handles must not be taken
     * for the unlinked file's.
     *
     * @param holders from {@link #holders}, or null for whichever are open now
     * @return false, registering nothing, if none of them is open now
     */
    public static boolean whenClosed(FileKey key, Object holders, Runnable action) {
        boolean[] registered = {false};
        OPEN.computeIfPresent(key, (k, h) -> {
            if (holders != null && holders != h) {
                return h;
            }
            List<Runnable> more = new ArrayList<>(h.whenClosed);
            more.add(action);
            h.whenClosed = more;
            registered[0] = true;
            return h;
        });
        return registered[0];
    }
}
