package io.p9gate.audit;

import java.io.IOException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit for the segment: appenders that need their record on disk share fsyncs. The appender that finds
 * no fsync running makes one itself, on its own thread (the leader); appenders that arrive while it runs wait,
 * and when it returns, one of those its fsync did not cover leads the next, which covers them all. So under
 * load each fsync serves a batch of waiters, an idle log costs nothing, and a lone change waits for its fsync
 * without waking another thread (issue 11: a dedicated fsync thread cost two thread hand-offs per change, each
 * a wait for a core on a busy host).
 *
 * <p>Any appender may lead, and appenders are request workers: the fsync must not be one an interrupt could
 * abort ({@code FileChannel.force} closes the channel when its thread is interrupted), see
 * {@link SegmentWriter#force}. Waiting is uninterruptible for the same reason (the caller's interrupt status is
 * kept): a record the caller is about to act on must be durable before it returns, or it must fail.
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
    /** Signalled (all) when an fsync ends, well or badly, so that waiters look again. */
    private final Condition advanced = lock.newCondition();
    /** Records known durable. */
    private long durable;
    /** Whether a leader is in its fsync now. */
    private boolean syncing;

    private IOException broken;
    private boolean closed;
    private long fsyncs;

    /** @param durable records known to be on disk already (those the last signed checkpoint covers) */
    GroupCommit(Fsync fsync, long durable, FailureSink failed, CheckpointObserver observer) {
        this.fsync = fsync;
        this.failed = failed;
        this.observer = observer;
        this.durable = durable;
    }

    /**
     * Returns once the first {@code records} records are on disk, with how many are; makes the fsync itself when
     * none is running.
     *
     * @throws IOException an fsync failed (or the log is closing) before they were
     */
    long awaitDurable(long records) throws IOException {
        lock.lock();
        try {
            if (durable < records && closed) {
                throw new IOException("the audit log is closed");
            }
            while (durable < records) {
                if (broken != null) {
                    throw new IOException("fsync of the audit segment failed: " + broken.getMessage(), broken);
                }
                if (syncing) {
                    advanced.awaitUninterruptibly();
                } else if (closed) {
                    throw new IOException("the audit log is closed");
                } else {
                    lead();
                }
            }
            return durable;
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: makes one fsync for everyone, with the lock released while it runs. */
    private void lead() {
        syncing = true;
        lock.unlock();
        long covered = -1;
        IOException failure = null;
        try {
            covered = fsync.force();
            observer.forced(covered);
        } catch (IOException e) {
            failure = e;
        } catch (RuntimeException | Error e) {
            failure = new IOException(e.toString(), e);
        } finally {
            try {
                if (failure != null) {
                    failed.fsyncFailed(failure); // first: a waiter that wakes up must find the log failed
                }
            } finally {
                lock.lock(); // whatever happened: the caller holds the lock again, and the waiters look again
                syncing = false;
                if (failure != null || covered < 0) {
                    broken = failure != null ? failure : new IOException("the fsync did not complete");
                } else {
                    durable = Math.max(durable, covered);
                    fsyncs++;
                }
                advanced.signalAll();
            }
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

    /**
     * Refuses new waits for records not yet durable and returns once no fsync runs, so the segment can be
     * closed under no one's feet.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            while (syncing) {
                advanced.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }
}
