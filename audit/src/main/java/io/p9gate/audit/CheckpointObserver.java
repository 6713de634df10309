package io.p9gate.audit;

import io.p9gate.audit.note.Checkpoint;
import java.util.concurrent.Future;

/**
 * Test seam: sees the steps of each checkpoint run on the checkpoint thread, so that tests can check (and
 * provoke) their order without timing. Production logs use {@link #NONE}.
 */
interface CheckpointObserver {
    CheckpointObserver NONE = new CheckpointObserver() {};

    /** The segment fsync returned; the first {@code durableRecords} records are on disk. */
    default void forced(long durableRecords) {}

    /** {@code checkpoint} is about to be signed. */
    default void signing(Checkpoint checkpoint) {}

    /**
     * On the opening thread, under the log's lock: the START record is about to be made, and {@code recovered}
     * completes once the checkpoints a crash left unsigned are (done at once when there were none). Waiting for it
     * here runs the checkpoint thread between what recovery found and the record that says it.
     */
    default void beforeStartRecord(Future<?> recovered) {}
}
