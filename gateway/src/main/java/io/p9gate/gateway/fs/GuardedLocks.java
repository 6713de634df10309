package io.p9gate.gateway.fs;

import static io.p9gate.gateway.fs.ChokePoint.NO_BYTES;
import static io.p9gate.gateway.fs.ChokePoint.NO_DATA;

import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.LockTable;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.fs.GuardedFs.Conflict;
import io.p9gate.gateway.fs.GuardedFs.Count;
import io.p9gate.gateway.fs.GuardedFs.HeldLock;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.LockConstants;
import io.p9gate.gateway.proto.P9Exception;
import java.util.List;
import java.util.Optional;

/** POSIX byte-range locks: Tlock, Tgetlock, and a reload's release of locks the policy no longer allows. */
final class GuardedLocks extends GuardedRequests {
    GuardedLocks(GuardContext context) {
        super(context);
    }

    /**
     * {@code opened} and {@code lockedThrough}: the open file of the fid the lock is taken through, and its owners,
     * which remember {@code owner}. A write lock holds the file against every other VM sharing it, so it is also asked
     * as the open for writing it would need over NFS or fcntl(2): in the same decision and record, refused with that
     * question's errno and rule (EROFS in a read-only subtree). So through a fid not open for writing (flock(LOCK_EX)
     * of an O_RDONLY descriptor comes as the same Tlock as F_WRLCK), and through one open for writing whose access a
     * reload took away, as it did that fid's Twrites: else the VM could take the lock it lost at the reload again.
     */
    public int lock(
            Subject who,
            FileHandle handle,
            OpenHandle opened,
            LockOwner owner,
            FidLockOwners lockedThrough,
            int type,
            long start,
            long length)
            throws P9Exception {
        LocalShare share = handle.share();
        Node node = handle.node();
        // A conflict is answered LOCK_BLOCKED (EAGAIN to the guest's program): the intent record must not stand alone.
        return guard.change(
                        Operation.LOCK,
                        NO_DATA,
                        who,
                        share.name(),
                        () -> List.of(path(share, node)),
                        new RequestArgs.Lock(
                                type, start, length, owner.owner().clientId(), withoutWriteOpen(type, opened)),
                        () -> {
                            LockTable.checkType(type);
                            return new Count(lockedThrough.lock(
                                    owner,
                                    type,
                                    () -> owner.table().lock(node.key(), owner.owner(), type, start, length)));
                        },
                        status -> status.n() == LockConstants.LOCK_BLOCKED
                                ? Outcome.failure(Errno.EAGAIN)
                                : Outcome.success(NO_DATA))
                .n();
    }

    /** Whether a lock of {@code type} through {@code opened} is a write lock through a fid not open for writing. */
    static boolean withoutWriteOpen(int type, OpenHandle opened) {
        return type == LockConstants.LOCK_TYPE_WRLCK
                && !OpenFlags.writes(opened.file().flags());
    }

    /** After a reload: whether a Tlock ({@code args}) through a fid of {@code handle} would be allowed now. */
    public boolean lockAllowedNow(Subject who, FileHandle handle, RequestArgs.Lock args) throws P9Exception {
        LocalShare share = handle.share();
        return guard.allowedNow(Operation.LOCK, who, share.name(), () -> List.of(path(share, handle.node())), args);
    }

    /**
     * After a reload: the file of {@code handle}, on which this session holds locks of one type, decided as a Tlock
     * of that type through it would be now ({@code args}: the whole file). Where the policy now refuses it,
     * {@code release} drops those locks and the refusal is recorded with {@code words} (what was done:
     * {@code released=reload}, and {@code kept=read} where a write lock became a read lock): another VM sharing the
     * file must not stay blocked by a lock its holder could no longer take.
     *
     * @return whether the locks were released
     */
    public boolean releaseLocksIfRefused(
            Subject who, FileHandle handle, RequestArgs.Lock args, String words, Runnable release) throws P9Exception {
        LocalShare share = handle.share();
        return guard.takenBackIfRefused(
                Operation.LOCK, who, share.name(), () -> List.of(path(share, handle.node())), args, words, release);
    }

    public Optional<HeldLock> getlock(
            Subject who, FileHandle handle, LockOwner owner, int type, long start, long length) throws P9Exception {
        Node node = handle.node();
        return inspectAt(
                        Operation.GETLOCK,
                        who,
                        handle,
                        new RequestArgs.Lock(type, start, length, owner.owner().clientId()),
                        () -> {
                            LockTable.checkType(type);
                            return new Conflict(owner.table()
                                    .test(node.key(), owner.owner(), type, start, length)
                                    .map(r -> heldAsSeenBy(owner, r)));
                        },
                        NO_BYTES)
                .range();
    }

    /**
     * A conflicting lock as Tgetlock shows it to {@code asking}: the table is every session's, of every VM sharing the
     * file, so a lock of another session keeps its holder to itself (proc_id 0, no client_id, as NFS reports a
     * remote holder): its process id and client id (the Linux client sends the VM's hostname) are that VM's.
     */
    private static HeldLock heldAsSeenBy(LockOwner asking, LockTable.Range r) {
        boolean own = r.owner().sessionId() == asking.owner().sessionId();
        return new HeldLock(
                r.type(),
                r.start(),
                r.length(),
                own ? r.owner().procId() : 0,
                own ? r.owner().clientId() : "");
    }
}
