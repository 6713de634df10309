package io.p9gate.gateway.budget;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Backpressure across all connections of one VM (R-ROB-2): at most {@code outstanding} of its requests are
 * being served at once, and none is admitted while its queued reply bytes are at {@code replyBytes}. A
 * connection that finds no room is parked and stops reading; it is woken when a request of the VM finishes,
 * when its queued replies drain below the limit, or when the limits change. Nothing is refused: the guest's
 * requests wait in its own socket buffers, which is what a slow disk looks like to it.
 */
public final class Admission {
    private final Object lock = new Object();
    private final AtomicLong queuedReplyBytes = new AtomicLong();
    private final Set<Runnable> parked = new LinkedHashSet<>();
    private long serving;
    private volatile long maxServing;
    private volatile long maxReplyBytes;

    Admission(long maxServing, long maxReplyBytes) {
        this.maxServing = maxServing;
        this.maxReplyBytes = maxReplyBytes;
    }

    /**
     * Admits one request ({@link #done()} gives it back), or parks {@code wake} (once, however often it is
     * passed) to be run when there may be room again; {@code wake} must hand over to the caller's own thread.
     */
    public boolean tryAdmit(Runnable wake) {
        synchronized (lock) {
            if (serving < maxServing && queuedReplyBytes.get() < maxReplyBytes) {
                serving++;
                return true;
            }
            parked.add(wake);
            return false;
        }
    }

    /**
     * Whether the VM's queued replies are under {@code replyBytes}; if not, parks {@code wake} as {@link #tryAdmit}
     * does. For what a connection answers without admission (an Rflush, an Rlerror for a malformed frame): its
     * VM over budget, it stops reading as a connection with a request waiting does.
     */
    public boolean hasReplyRoom(Runnable wake) {
        if (queuedReplyBytes.get() < maxReplyBytes) {
            return true;
        }
        synchronized (lock) {
            // Again under the lock: replies that drained meanwhile wake the parked only once they take it.
            if (queuedReplyBytes.get() < maxReplyBytes) {
                return true;
            }
            parked.add(wake);
            return false;
        }
    }

    /** An admitted request has been served. */
    public void done() {
        List<Runnable> woken;
        synchronized (lock) {
            serving--;
            woken = unparkAll();
        }
        woken.forEach(Runnable::run);
    }

    /** A connection that goes away is no longer woken. */
    public void forget(Runnable wake) {
        synchronized (lock) {
            parked.remove(wake);
        }
    }

    /** Reply bytes handed to a connection of the VM, not yet written to its socket. */
    public void replyQueued(long bytes) {
        queuedReplyBytes.addAndGet(bytes);
    }

    /** Reply bytes written (or dropped with their connection). */
    public void replyWritten(long bytes) {
        long after = queuedReplyBytes.addAndGet(-bytes);
        if (after < maxReplyBytes && after + bytes >= maxReplyBytes) {
            wakeAll();
        }
    }

    public long serving() {
        synchronized (lock) {
            return serving;
        }
    }

    public long queuedReplyBytes() {
        return queuedReplyBytes.get();
    }

    /** The wakes parked, to be run when there may be room again: at most two per open connection of the VM. */
    public int parked() {
        synchronized (lock) {
            return parked.size();
        }
    }

    void setLimits(long maxServing, long maxReplyBytes) {
        this.maxServing = maxServing;
        this.maxReplyBytes = maxReplyBytes;
        wakeAll();
    }

    private void wakeAll() {
        List<Runnable> woken;
        synchronized (lock) {
            woken = unparkAll();
        }
        woken.forEach(Runnable::run);
    }

    /**
     * Every parked connection, not just one: a woken one may have gone or may need more than one slot, and a
     * wake-up nobody uses would leave the others parked for good. Parked connections are few (the VM's
     * connection budget), and each one that still finds no room parks again.
     */
    private List<Runnable> unparkAll() {
        if (parked.isEmpty()) {
            return List.of();
        }
        List<Runnable> all = new ArrayList<>(parked);
        parked.clear();
        return all;
    }
}
