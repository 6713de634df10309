package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.proto.LockConstants.LOCK_SUCCESS;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_WRLCK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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

    @Test
    void aLockTakenWhileItsFidIsClunkedDoesNotOutliveTheFid() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Files.writeString(share.resolve("f"), "shared with another VM");
        Path socket = tmp.resolve("vm.sock");
        HoldsLockDecision policy = new HoldsLockDecision();
        try (ShareServerFactory shares = new ShareServerFactory(Map.of("data", share), policy, new NoAudit());
                Gateway _ = Gateway.start(new GatewayConfig(
                        List.of(ListenSpec.parse("unix:" + socket)), shares, GatewayConfig.DEFAULT_MSIZE, 4));
                P9Client hostile = P9Client.open(UnixDomainSocketAddress.of(socket), 65536);
                P9Client other = P9Client.open(UnixDomainSocketAddress.of(socket), 65536)) {
            hostile.attach(0, "u", "data", 0);
            hostile.walk(0, 1, "f");
            hostile.lopen(1, 2);
            other.attach(0, "u", "data", 0);
            other.walk(0, 1, "f");
            other.lopen(1, 2);

            policy.armed.set(true);
            PendingCall lock = hostile.send(new TMessage.Tlock(1, LOCK_TYPE_WRLCK, 0, 0, 0, 7, "hostile"));
            assertTrue(policy.deciding.await(10, TimeUnit.SECONDS), "the Tlock reached its decision");
            hostile.clunk(1);
            policy.clunked.countDown();
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

    /** Allows everything; once armed, holds the next LOCK decision until the test has clunked the fid. */
    private static final class HoldsLockDecision implements AccessPolicy {
        final AtomicBoolean armed = new AtomicBoolean();
        final CountDownLatch deciding = new CountDownLatch(1);
        final CountDownLatch clunked = new CountDownLatch(1);

        @Override
        public Decision decide(AccessRequest request) {
            if (request.operation() == Operation.LOCK && armed.compareAndSet(true, false)) {
                deciding.countDown();
                try {
                    clunked.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return Decision.allow(List.of("test"));
        }
    }
}
