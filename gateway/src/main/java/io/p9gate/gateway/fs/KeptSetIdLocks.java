package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.Node;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Orders, gateway-wide (every VM, every share: a hard link or a shared folder gives one inode to several), the changes
 * of one file's kept set-id value ({@link SetIdBits}): each reads the value and writes another from it, and a refused
 * truncate's give-back (read, compare, write) landing around an owner's chmod 0755 or a non-root write wrote the
 * set-uid value they had just removed back (KeptSetIdGiveBackRaceAttackTest). Striped by inode, reentrant. Taken last
 * (quota locks, then entry locks, then this one) and held over xattr and stat calls alone: nothing is locked under
 * it, so it waits for no other lock. Only a file whose value or host inode has set-id bits takes it: a Twrite of any
 * other file neither takes it nor allocates.
 */
public final class KeptSetIdLocks {
    private static final int STRIPES = 64;
    private static final ReentrantLock[] LOCKS = new ReentrantLock[STRIPES];

    static {
        for (int i = 0; i < STRIPES; i++) {
            LOCKS[i] = new ReentrantLock();
        }
    }

    /** Test seam: see {@link #beforeGivingBack(Runnable)}. */
    private static volatile Runnable beforeGivingBack;

    private KeptSetIdLocks() {}

    /**
     * Test seam (KeptSetIdGiveBackRaceAttackTest): {@code hook} runs in a give-back that found the value it stored,
     * before it writes the one it replaced; null removes it.
     */
    public static void beforeGivingBack(Runnable hook) {
        beforeGivingBack = hook;
    }

    static void givingBack() {
        Runnable hook = beforeGivingBack;
        if (hook != null) {
            hook.run();
        }
    }

    /** Test seam: see {@link #beforeKeeping(Runnable)}. */
    private static volatile Runnable beforeKeeping;

    /**
     * Test seam (SetIdOnAQuotaRefusedWriteTest): {@code hook} runs in a take of the host inode's set-id bits before a
     * change of its data, after the stat that saw them, before the value's lock; null removes it.
     */
    public static void beforeKeeping(Runnable hook) {
        beforeKeeping = hook;
    }

    static void keeping() {
        Runnable hook = beforeKeeping;
        if (hook != null) {
            hook.run();
        }
    }

    /** Locks {@code node}'s kept value; the caller unlocks what it returns. */
    static ReentrantLock lock(Node node) {
        ReentrantLock lock = LOCKS[Math.floorMod(node.key().hashCode(), STRIPES)];
        lock.lock();
        return lock;
    }

    /** Tests: whether a request waits for a kept value another request is changing. */
    public static boolean awaited() {
        return Arrays.stream(LOCKS).anyMatch(ReentrantLock::hasQueuedThreads);
    }
}
