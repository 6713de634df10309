package io.p9gate.gateway.backend;

/**
 * What a Tlcreate holds while it takes back the file it made ({@link UnmadeFile}): a quota's lock on the file's
 * inode, the lock a rename or unlink of the same VM holds from its last look at an entry to its accounting of it.
 * So such a request on the made file's name acts either wholly before the take-back looks at the name (the take-back
 * then leaves what it finds, and the quota counts the file made) or after it (and finds the name free, or the file
 * gone). Without it, a rename that had seen the made file as its target replaced the name after the take-back had
 * removed the file, and both gave the file's inode back.
 */
@FunctionalInterface
public interface TakeBackLock {
    /** Holds nothing: no quota counts the file. */
    TakeBackLock NONE = made -> () -> {};

    /** Locks the inode {@code made}; closing what it returns unlocks it. */
    Held hold(FileKey made);

    /** A held lock. */
    @FunctionalInterface
    interface Held extends AutoCloseable {
        @Override
        void close();
    }
}
