package io.p9gate.gateway.ops;

import io.p9gate.gateway.fs.FidLockOwners;
import io.p9gate.gateway.fs.FileHandle;
import io.p9gate.gateway.fs.SessionLocks;
import io.p9gate.gateway.fs.Subject;

/**
 * One fid of a session: a handle on a file in a share, the guest user it acts for, and its state.
 * A state change installs a new Fid under the same number; the lock owners that locked through
 * it travel along so that its clunk releases their locks.
 */
record Fid(FileHandle handle, Subject who, FidState state, FidLockOwners lockOwners) {

    static Fid walked(FileHandle handle, Subject who) {
        return new Fid(handle, who, FidState.WALKED, new FidLockOwners());
    }

    Fid withState(FidState next) {
        return new Fid(handle, who, next, lockOwners);
    }

    /** The subject for a request that names its own gid (create, mkdir, symlink, mknod). */
    Subject withGid(int gid) {
        return new Subject(who.uid(), gid);
    }

    /** Gives back what this fid holds: its open file or pending xattr value, its locks, its handle. */
    void release(SessionLocks locks) {
        // A Topen'ed fid holds what a Tlopen'ed one holds, and gives it back the same way.
        FidState held = state instanceof FidState.OpenedByTopen t ? t.opened() : state;
        switch (held) {
            case FidState.Opened(var file) -> file.close();
            case FidState.OpenedByTopen t -> {}
            case FidState.XattrWrite(var pending) -> pending.release();
            case FidState.Walked w -> {}
            case FidState.Claimed c -> {} // what the claiming request made is its own until it settles
            case FidState.XattrRead r -> r.value().release();
        }
        lockOwners.releaseAll(locks, handle);
        handle.close();
    }
}
