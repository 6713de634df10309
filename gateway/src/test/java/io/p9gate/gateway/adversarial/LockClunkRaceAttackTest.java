package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.proto.LockConstants.LOCK_SUCCESS;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_WRLCK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (lifetime races within one session): the requests of one connection run at once, so a guest can pipeline
 * a Tlock and a Tclunk of the same open fid. The clunk gives back the locks of the owners that locked through the
 * fid (docs/filesystem.md: "an owner's locks go when the fid that took them is clunked"), but a Tlock that had
 * looked the fid up before the clunk took its lock in the gateway-wide table after the clunk had released the
 * fid's owners, and added its owner to the lock owners of a fid no longer in the table. That lock then belonged
 * to no fid: held against every other session and VM until the guest's whole session ended, a lock on a file the
 * guest no longer has open (the state LockWithoutOpenAttackTest refuses). No serial order of the two requests gives
 * that: lock then clunk releases the lock; clunk then lock fails the lock (EBADF).
 *
 * <p>The interleaving is made deterministic by a policy that holds the Tlock's decision until the Tclunk of the same
 * fid has been answered.
 */
class LockClunkRaceAttackTest {
    @TempDir
    Path tmp;

    private final HoldsOneDecision policy = new HoldsOneDecision(Operation.LOCK);

    @Test
    void aLockTakenWhileItsFidIsClunkedDoesNotOutliveTheFid() throws Exception {
        try (TwoSessionsOnOneFile sessions = new TwoSessionsOnOneFile(tmp, policy)) {
            P9Client hostile = sessions.first;
            P9Client other = sessions.second;
            PendingCall lock = heldAtItsDecision(hostile);
            hostile.clunk(1);
            policy.released.countDown();
            RMessage locked = hostile.await(lock);
            assertInstanceOf(RMessage.Rlock.class, locked);

            RMessage.Rlock theirs =
                    (RMessage.Rlock) other.rpc(new TMessage.Tlock(1, LOCK_TYPE_WRLCK, 0, 0, 0, 9, "other"));
            assertEquals(
                    LOCK_SUCCESS,
                    theirs.status(),
                    "a lock of a clunked fid still blocks another session's writer on the file");
        }
    }
    /**
     * The clunked fid's number opened again on another file before the held Tlock is decided: no serial order lets
     * that Tlock lock the first file for the new fid (lock, clunk: released; clunk, lock: the new fid's file), so
     * the first file is free for the other session, and the new fid's file was never locked.
     */
    @Test
    void aLockWhoseFidNumberIsOpenedOnAnotherFileMeanwhileDoesNotOutliveTheClunk() throws Exception {
        try (TwoSessionsOnOneFile sessions = new TwoSessionsOnOneFile(tmp, policy)) {
            P9Client hostile = sessions.first;
            P9Client other = sessions.second;
            other.walk(0, 2);
            other.lcreate(2, "g", 2, 0644, 0);
            PendingCall lock = heldAtItsDecision(hostile);
            hostile.clunk(1);
            hostile.walk(0, 1, "g");
            hostile.lopen(1, 2);
            policy.released.countDown();
            assertInstanceOf(RMessage.Rlock.class, hostile.await(lock));

            for (int fid : new int[] {1, 2}) {
                RMessage.Rlock theirs =
                        (RMessage.Rlock) other.rpc(new TMessage.Tlock(fid, LOCK_TYPE_WRLCK, 0, 0, 0, 9, "other"));
                assertEquals(LOCK_SUCCESS, theirs.status(), fid == 1 ? "f" : "g");
            }
        }
    }

    /** The hostile session's write lock of its fid 1, sent and held at its decision until {@code released}. */
    private PendingCall heldAtItsDecision(P9Client hostile) throws Exception {
        policy.armed.set(true);
        PendingCall lock = hostile.send(new TMessage.Tlock(1, LOCK_TYPE_WRLCK, 0, 0, 0, 7, "hostile"));
        assertTrue(policy.deciding.await(10, TimeUnit.SECONDS), "the Tlock reached its decision");
        return lock;
    }
}
