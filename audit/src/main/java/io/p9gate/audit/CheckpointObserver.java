package io.p9gate.audit;

import io.p9gate.audit.note.Checkpoint;

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
}
