package io.p9gate.audit;

/**
 * Sees each fsync of the log's segment (group commits and checkpoints alike), on the thread that made it (an
 * appender leading a group commit, or the checkpoint thread), with how long it took: what a disk costs the
 * appenders that wait for {@link Durability#SYNCED}. The gateway's metrics are such an observer; it must be quick
 * and must not block (it delays the next fsync).
 */
@FunctionalInterface
public interface SyncObserver {
    SyncObserver NONE = nanos -> {};

    void synced(long nanos);
}
