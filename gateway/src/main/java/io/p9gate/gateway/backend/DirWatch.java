package io.p9gate.gateway.backend;

import java.util.Arrays;

/**
 * One watched directory of one VM's inotify instance ({@link VmInotify}): its watch descriptor, its key in the
 * instance's map by directory (so that forgetting it is one removal, not a scan of every watch on the reader's
 * thread), and the shares whose paths pass through it.
 */
final class DirWatch {
    final VmInotify inotify;
    final int wd;
    final FileKey dir;

    /** Replaced, never changed in place (under {@link HostMoves#LOCK}): the reader reads it without the lock. */
    private volatile ShareRoot[] shares;

    DirWatch(VmInotify inotify, int wd, FileKey dir, ShareRoot share) {
        this.inotify = inotify;
        this.wd = wd;
        this.dir = dir;
        this.shares = new ShareRoot[] {share};
    }

    /** What happened in the directory may have moved a path through it: the shares learn theirs again. */
    void advanceShares() {
        for (ShareRoot share : shares) {
            share.renames().advance();
        }
    }

    boolean has(ShareRoot share) {
        for (ShareRoot s : shares) {
            if (s == share) {
                return true;
            }
        }
        return false;
    }

    ShareRoot[] shares() {
        return shares;
    }

    /** {@code share} watches it too (guarded by HostMoves.LOCK). */
    void add(ShareRoot share) {
        ShareRoot[] more = Arrays.copyOf(shares, shares.length + 1);
        more[more.length - 1] = share;
        shares = more;
    }

    /** {@code share} no longer watches it; whether another share still does (guarded by HostMoves.LOCK). */
    boolean release(ShareRoot share) {
        shares = Arrays.stream(shares).filter(s -> s != share).toArray(ShareRoot[]::new);
        return shares.length > 0;
    }
}
