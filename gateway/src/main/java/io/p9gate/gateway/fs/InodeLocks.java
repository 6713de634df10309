package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.FileKey;
import java.util.Comparator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per inode that one VM's quota accounting is working on, shared by all of the VM's sessions:
 * a size change, rename, link or unlink of a file holds it from finding the file's scopes to settling
 * its usage, so two requests never account the same file at once. Only requests on the same inode wait
 * for each other (no stripes: other files and other VMs never do); a lock exists only while in use.
 */
public final class InodeLocks {
    private static final Comparator<FileKey> ORDER =
            Comparator.comparingLong(FileKey::dev).thenComparingLong(FileKey::ino);

    private final ConcurrentHashMap<FileKey, Entry> entries = new ConcurrentHashMap<>();

    /** Test seam: see {@link #whileWaiting(Runnable)}. */
    private static volatile Runnable whileWaiting;

    /**
     * Test seam (QuotaAccountingTest): {@code hook} runs in a request about to wait for an inode another request
     * holds, before it waits; null removes it.
     */
    static void whileWaiting(Runnable hook) {
        whileWaiting = hook;
    }

    /** Guarded by the map's bin lock for {@code users}; {@code lock} is the inode's lock. */
    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock();
        int users;
    }

    /** What {@link #lock} holds; closing it unlocks. */
    @FunctionalInterface
    interface Locked extends AutoCloseable {
        @Override
        void close();
    }

    /** Locks one inode. */
    Locked lock(FileKey key) {
        Entry e = acquire(key);
        return () -> release(key, e);
    }

    /** Locks two inodes (one if they are the same), always in the same order so two renames cannot deadlock. */
    Locked lock(FileKey a, FileKey b) {
        if (b == null || a.equals(b)) {
            return lock(a);
        }
        FileKey first = ORDER.compare(a, b) < 0 ? a : b;
        FileKey second = first == a ? b : a;
        Locked one = lock(first);
        try {
            Locked two = lock(second);
            return () -> {
                two.close();
                one.close();
            };
        } catch (RuntimeException e) {
            one.close();
            throw e;
        }
    }

    private Entry acquire(FileKey key) {
        Entry e = entries.compute(key, (k, v) -> {
            Entry entry = v == null ? new Entry() : v;
            entry.users++;
            return entry;
        });
        if (!e.lock.tryLock()) {
            Runnable hook = whileWaiting;
            if (hook != null) {
                hook.run();
            }
            e.lock.lock();
        }
        return e;
    }

    private void release(FileKey key, Entry e) {
        e.lock.unlock();
        entries.computeIfPresent(key, (k, v) -> --v.users == 0 ? null : v);
    }

    /** Inodes with a lock in use or awaited (for tests: a finished request leaves none behind). */
    int inUse() {
        return entries.size();
    }
}
