package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.proto.LockConstants.LOCK_SUCCESS;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_WRLCK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-POL-7, lifetime races): after a reload, each session's locks are decided again and those the new policy
 * refuses are released. A Tlock the old policy allowed just before the swap takes its lock a moment later: if the
 * re-decision looked meanwhile, it found no lock, and the lock taken after it stayed held against every other session
 * although its holder may no longer take it.
 *
 * <p>The interleaving is made deterministic by a policy that holds the Tlock's (allowing) decision until the
 * re-decision has run or is waiting for that Tlock; from then on, it refuses that session's locks.
 */
@Timeout(60)
class LockReloadRaceAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aLockAllowedJustBeforeAReloadIsReleasedByIt() throws Exception {
        ReloadDuringLock policy = new ReloadDuringLock();
        try (TwoSessionsOnOneFile sessions = new TwoSessionsOnOneFile(tmp, policy)) {
            P9Client holder = sessions.first;
            P9Client other = sessions.second;
            policy.armed.set(true);
            PendingCall lock = holder.send(new TMessage.Tlock(1, LOCK_TYPE_WRLCK, 0, 0, 0, 7, "holder"));
            assertTrue(policy.deciding.await(10, TimeUnit.SECONDS), "the Tlock reached its decision");
            Thread redecision = Thread.ofPlatform().start(() -> sessions.shares.releaseLocksRefusedNow(Set.of()));
            while (redecision.getState() != Thread.State.WAITING && redecision.getState() != Thread.State.TERMINATED) {
                Thread.onSpinWait(); // the re-decision has run, or waits for the Tlock under way
            }
            policy.reloaded.countDown();
            assertEquals(LOCK_SUCCESS, ((RMessage.Rlock) holder.await(lock)).status(), "allowed by the old policy");
            redecision.join();

            RMessage.Rlock theirs =
                    (RMessage.Rlock) other.rpc(new TMessage.Tlock(1, LOCK_TYPE_WRLCK, 0, 0, 0, 9, "other"));
            assertEquals(
                    LOCK_SUCCESS, theirs.status(), "a lock the new policy refuses its holder still blocks the other");
        }
    }

    /**
     * Allows everything; once armed, holds the next LOCK decision (an allow: the old policy's) until the test says the
     * reload happened, and from then on refuses LOCK to that request's session (the new policy).
     */
    private static final class ReloadDuringLock implements AccessPolicy {
        final AtomicBoolean armed = new AtomicBoolean();
        final CountDownLatch deciding = new CountDownLatch(1);
        final CountDownLatch reloaded = new CountDownLatch(1);
        final AtomicLong refusedSession = new AtomicLong(-1);

        @Override
        public Decision decide(AccessRequest request) {
            if (request.operation() == Operation.LOCK && armed.compareAndSet(true, false)) {
                refusedSession.set(request.sessionId());
                deciding.countDown();
                try {
                    reloaded.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Decision.allow(List.of("old"));
            }
            if (request.operation() == Operation.LOCK && request.sessionId() == refusedSession.get()) {
                return Decision.deny(Errno.EACCES, List.of("new"));
            }
            return Decision.allow(List.of("old"));
        }
    }
}
