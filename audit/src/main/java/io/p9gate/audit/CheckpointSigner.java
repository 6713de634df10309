package io.p9gate.audit;

import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.SignedNote;
import io.p9gate.audit.note.SigningKey;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The second half of taking a checkpoint ({@link AuditLog}: the first, under the log's lock, appends the CHECKPOINT
 * record and captures the tree head): on the log's one checkpoint thread, the captured heads are made durable with
 * one segment fsync and signed, their notes appended to the sidecar (fsynced) in capture order, so that no note is
 * ever durable before the records it covers.
 */
final class CheckpointSigner {
    private final SigningKey key;
    private final CheckpointStore checkpoints;
    private final GroupCommit commit;
    private final DiskBudget budget;
    private final CheckpointObserver observer;
    private final LogFailure failures;
    /** The log's checkpoint thread: one, so checkpoints complete in the order they were captured. */
    private final ExecutorService checkpointer;
    /** Captured heads not yet signed, in capture order; filled under the lock, drained by the checkpointer. */
    private final Queue<Checkpoint> pending = new ConcurrentLinkedQueue<>();
    /**
     * Heads whose notes found no room in the sidecar (a full disk), in capture order; signed first by the next
     * checkpoint run, after the log has recovered. Only the checkpointer's one thread uses it.
     */
    private final List<Checkpoint> notesUnwritten = new ArrayList<>();

    private volatile Checkpoint lastCheckpoint;

    /** @param lastCheckpoint the last signed checkpoint recovery found, or null */
    CheckpointSigner(
            SigningKey key,
            CheckpointStore checkpoints,
            GroupCommit commit,
            DiskBudget budget,
            CheckpointObserver observer,
            LogFailure failures,
            ExecutorService checkpointer,
            Checkpoint lastCheckpoint) {
        this.key = key;
        this.checkpoints = checkpoints;
        this.commit = commit;
        this.budget = budget;
        this.observer = observer;
        this.failures = failures;
        this.checkpointer = checkpointer;
        this.lastCheckpoint = lastCheckpoint;
    }

    /** The last checkpoint that is signed and durable, or null before the first. */
    Checkpoint lastCheckpoint() {
        return lastCheckpoint;
    }

    /**
     * Under the lock, so checkpoints are queued in capture order. The checkpoint thread then completes every
     * queued checkpoint with one segment fsync (the group commit's, shared with waiting appenders; none at all
     * if they already made the records durable) and one sidecar fsync: when the disk is slower than the
     * checkpoint rate, fsyncs coalesce instead of queueing up, and every captured head is still signed.
     */
    Future<?> complete(Checkpoint cp) {
        pending.add(cp);
        return checkpointer.submit(() -> {
            failures.rejectIfFailed();
            // Take the heads BEFORE the fsync: their records were written before they were captured, so the
            // fsync covers them. A head captured during the fsync may cover records still only in the page
            // cache; it stays queued for the next run.
            List<Checkpoint> batch = new ArrayList<>(notesUnwritten);
            notesUnwritten.clear();
            for (Checkpoint next; (next = pending.poll()) != null; ) {
                batch.add(next);
            }
            if (batch.isEmpty()) {
                return null; // an earlier run already made this checkpoint durable
            }
            long sidecarEnd = -1; // set once the records are durable: only the notes' writes are left
            try {
                long durable = commit.awaitDurable(batch.getLast().size());
                for (Checkpoint next : batch) {
                    if (next.size() > durable) {
                        throw new IllegalStateException(
                                "checkpoint " + next.size() + " is ahead of the " + durable + " records on disk");
                    }
                }
                sidecarEnd = checkpoints.end();
                for (Checkpoint next : batch) {
                    observer.signing(next);
                    budget.wroteNote(checkpoints.append(SignedNote.sign(next.body(), key)));
                }
                sidecarEnd = -1; // a failed fsync of the notes leaves them uncertain
                checkpoints.force();
                lastCheckpoint = batch.getLast();
                return null;
            } catch (Throwable e) { // even an Error: the batch is lost, so the log must not stay writable
                throw failures.fail(
                        "cannot write audit checkpoint " + cp.size(),
                        e,
                        sidecarEnd >= 0 && keepUnwritten(batch, sidecarEnd, e));
            }
        });
    }

    /**
     * After a note's write failed (a full disk: the records went over zeros written ahead, the sidecar's note is the
     * first write to find no room): nothing is uncertain, since the records are durable and only the sidecar's end
     * was torn. So the log may recover as from a failed record write: what the notes left is cut off and their heads
     * are signed first by the checkpoint of the recovery. False (the log stays failed) for anything but an
     * {@link IOException}, or if the cut fails.
     */
    private boolean keepUnwritten(List<Checkpoint> batch, long sidecarEnd, Throwable failure) {
        if (!(failure instanceof IOException)) {
            return false;
        }
        try {
            checkpoints.cutTo(sidecarEnd);
        } catch (IOException e) {
            return false;
        }
        notesUnwritten.addAll(batch);
        return true;
    }

    /** Waits for a checkpoint {@link #complete} returned; its failure is the caller's (EIO). */
    static void await(Future<?> checkpoint) throws AuditWriteException {
        try {
            checkpoint.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuditWriteException awe) {
                throw awe;
            }
            throw new AuditWriteException("audit checkpoint failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AuditWriteException("interrupted while waiting for an audit checkpoint", e);
        }
    }
}
