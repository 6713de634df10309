package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.proto.LockConstants.LOCK_SUCCESS;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_WRLCK;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-POL-7, R-AUD-4): the audit log fails between a reload's own record and the re-decision of the sessions'
 * locks, which runs once per reload. Before, a re-decision that could not be recorded kept every lock: one the new
 * policy refuses its holder stayed held after the log recovered, never looked at again, and the other session's Tlock
 * on the file stayed blocked until the holder clunked. Now the policy is still asked (the question records nothing):
 * a lock it refuses is released, fail closed, though its refusal cannot be recorded; one it allows stays.
 */
@Timeout(60)
class LockReloadAuditDownAttackTest {
    private static final int BLOCKED = 1;

    @TempDir
    Path tmp;

    @Test
    void aLockTheReloadRefusesIsReleasedThoughTheLogIsDown() throws Exception {
        assertEquals(LOCK_SUCCESS, otherLockAfterReload(true), "the refused lock still blocks the other session");
    }

    @Test
    void aLockTheReloadStillAllowsStaysThoughTheLogIsDown() throws Exception {
        assertEquals(BLOCKED, otherLockAfterReload(false), "a lock its holder may still take was released");
    }

    /**
     * The first session write-locks the file; the log fails, the re-decision runs ({@code refused}: under a policy
     * that refuses the holder's locks), the log recovers: the other session's Tlock's status.
     */
    private int otherLockAfterReload(boolean refused) throws Exception {
        Reloaded policy = new Reloaded();
        FailingTrail trail = new FailingTrail();
        try (TwoSessionsOnOneFile sessions = new TwoSessionsOnOneFile(tmp, policy, trail)) {
            P9Client holder = sessions.first;
            P9Client other = sessions.second;
            assertEquals(LOCK_SUCCESS, lock(holder, "holder"));
            assertEquals(BLOCKED, lock(other, "other"));

            trail.broken = true;
            policy.refusedSession.set(refused ? policy.firstLockSession.get() : -1);
            sessions.shares.releaseLocksRefusedNow(Set.of());
            trail.broken = false; // recovered

            return lock(other, "other");
        }
    }

    private static int lock(P9Client client, String owner) throws Exception {
        return ((RMessage.Rlock) client.rpc(new TMessage.Tlock(1, LOCK_TYPE_WRLCK, 0, 0, 0, 7, owner))).status();
    }

    /**
     * Allows everything but LOCK to the session {@link #refusedSession} names (the new policy's refusal); remembers the
     * session of the first LOCK (the holder's).
     */
    private static final class Reloaded implements AccessPolicy {
        final AtomicLong firstLockSession = new AtomicLong(-1);
        final AtomicLong refusedSession = new AtomicLong(-1);

        @Override
        public Decision decide(AccessRequest request) {
            if (request.operation() == Operation.LOCK) {
                if (request.sessionId() == refusedSession.get()) {
                    return Decision.deny(Errno.EACCES, List.of("new"));
                }
                firstLockSession.compareAndSet(-1, request.sessionId());
            }
            return Decision.allow(List.of("old"));
        }
    }

    /** An audit trail that cannot record while {@link #broken}, as a log whose disk failed until it recovers. */
    private static final class FailingTrail implements AuditTrail {
        volatile boolean broken;

        @Override
        public long record(AuditEntry entry) throws P9Exception {
            if (broken) {
                throw new P9Exception(Errno.EIO, "audit log failed");
            }
            return NO_SEQ;
        }

        @Override
        public boolean writable() {
            return !broken;
        }
    }
}
