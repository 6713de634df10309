package io.p9gate.audit;

import java.io.IOException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit for the segment: appenders that need their record on disk wait here while one thread fsyncs for
 * all of them. Whatever was written while an fsync ran is covered by the next one, so under load each fsync
 * serves a batch of waiters, and an idle log costs nothing.
 *
 * <p>The fsync runs on its own thread, never on an appender's: appenders are request workers that a Tflush may
 * interrupt, and an interrupt during {@code FileChannel.force} closes the channel, and with it the log.
 * Waiting is uninterruptible for the same reason (the caller's interrupt status is kept): a record the caller
 * is about to act on must be durable before it returns, or it must fail.
 */
final class GroupCommit implements AutoCloseable {
    /** Makes every record written before the call durable and returns how many records that is. */
    @FunctionalInterface
    interface Fsync {
        long force() throws IOException;
    }

    /** Told once when an fsync fails: what was written may or may not be on disk, the log cannot go on. */
    @FunctionalInterface
    interface FailureSink {
        void fsyncFailed(IOException e);
    }

    private final Fsync fsync;
    private final FailureSink failed;
    private final CheckpointObserver observer;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Condition advanced = lock.newCondition();
    private final Thread syncer;
    /** Records someone waits to see durable (a count, not a seq). */
    private long wanted;
    /** Records known durable. */
    private long durable;

    private IOException broken;
    private boolean closed;
    private long fsyncs;

    /** @param durable records known to be on disk already (those the last signed checkpoint covers) */
    GroupCommit(Fsync fsync, long durable, FailureSink failed, CheckpointObserver observer) {
        this.fsync = fsync;
        this.failed = failed;
        this.observer = observer;
        this.durable = durable;
        this.wanted = durable;
        this.syncer = Thread.ofPlatform().name("audit-fsync").daemon().start(this::run);
    }

    /**
     * Returns once the first {@code records} records are on disk, with how many are.
     *
     * @throws IOException an fsync failed (or the log is closing) before they were
     */
    long awaitDurable(long records) throws IOException {
        lock.lock();
        try {
            if (durable < records && closed) {
                throw new IOException("the audit log is closed");
            }
            if (durable < records && wanted < records) {
                wanted = records;
                work.signal();
            }
            while (durable < records) { // the fsync thread serves every waiter before it stops
                if (broken != null) {
                    throw new IOException("fsync of the audit segment failed: " + broken.getMessage(), broken);
                }
                advanced.awaitUninterruptibly();
            }
            return durable;
        } finally {
            lock.unlock();
        }
    }

    /** Segment fsyncs made so far. */
    long fsyncs() {
        lock.lock();
        try {
            return fsyncs;
        } finally {
            lock.unlock();
        }
    }

    /** Records known to be on disk. */
    long durable() {
        lock.lock();
        try {
            return durable;
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (true) {
            lock.lock();
            try {
                while (wanted <= durable && !closed) {
                    work.awaitUninterruptibly();
                }
                if (wanted <= durable) {
                    return; // closed, nobody waits
                }
            } finally {
                lock.unlock();
            }
            long covered;
            try {
                covered = fsync.force();
                observer.forced(covered);
            } catch (IOException e) {
                fail(e);
                return;
            } catch (RuntimeException | Error e) {
                fail(new IOException(e.toString(), e));
                return;
            }
            lock.lock();
            try {
                durable = Math.max(durable, covered);
                fsyncs++;
                advanced.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private void fail(IOException e) {
        failed.fsyncFailed(e); // first: a waiter that wakes up must find the log failed
        lock.lock();
        try {
            broken = e;
            advanced.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the fsync thread once nobody waits any more. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            work.signal();
        } finally {
            lock.unlock();
        }
        try {
            syncer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
