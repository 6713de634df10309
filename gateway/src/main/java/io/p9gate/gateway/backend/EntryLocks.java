package io.p9gate.gateway.backend;

import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Orders, gateway-wide (every VM, every share), a rename onto a name with a request that checked the name still holds
 * the file it acts on: {@link Entries#remove} and a rename through a fid look at the entry and then unlink or rename
 * it, and a rename replacing the entry in between had them unlink or move the file renamed there
 * (adversarial.SameNamePipelineRaceAttackTest). A Tunlinkat holds it too: one between the look and the unlink,
 * followed by a create of the name, had a Tremove unlink the file made anew (RemoveUnlinkRecreateRaceAttackTest).
 * Under a quota, an unlink and a rename take them before the quota's look (fs.QuotaAccounting), after its locks.
 * Creates and links need not: they never replace an entry. Striped by directory and name, reentrant (a Tremove's
 * unlink takes the lock it holds); the host's own renames and unlinks are not ordered by it.
 */
final class EntryLocks {
    private static final int STRIPES = 256;
    private static final ReentrantLock[] LOCKS = new ReentrantLock[STRIPES];

    static {
        for (int i = 0; i < STRIPES; i++) {
            LOCKS[i] = new ReentrantLock();
        }
    }

    private EntryLocks() {}

    /** The lock of the entry {@code name} of directory {@code dir}. */
    static Entries.Holding lock(Node dir, String name) {
        ReentrantLock lock = LOCKS[stripe(dir, name)];
        lock.lock();
        return lock::unlock;
    }

    /** The locks of two entries, taken in stripe order so that two renames never wait for each other's. */
    static Entries.Holding lock(Node dirA, String nameA, Node dirB, String nameB) {
        int a = stripe(dirA, nameA);
        int b = stripe(dirB, nameB);
        ReentrantLock first = LOCKS[Math.min(a, b)];
        ReentrantLock second = LOCKS[Math.max(a, b)];
        first.lock();
        second.lock();
        return () -> {
            second.unlock();
            first.unlock();
        };
    }

    /** Tests: whether a thread waits for one of the locks. */
    static boolean awaited() {
        return Arrays.stream(LOCKS).anyMatch(ReentrantLock::hasQueuedThreads);
    }

    /** Tests: whether {@code thread} waits for one of the locks. */
    static boolean waiting(Thread thread) {
        return Arrays.stream(LOCKS).anyMatch(lock -> lock.hasQueuedThread(thread));
    }

    private static int stripe(Node dir, String name) {
        return Math.floorMod(31 * dir.key().hashCode() + name.hashCode(), STRIPES);
    }
}
