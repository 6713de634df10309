package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.Unpooled;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.proto.LockConstants;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.GatewayConfig;
import java.net.UnixDomainSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Four connections of one VM, lined up by a barrier, each open the same file and pipeline a storm of write locks,
 * unlocks, lock tests, reads and writes under many lock owners, then close their sockets with most of it still in
 * flight (in the worker lane or not yet read), 30 times each. Afterwards the VM holds nothing (fids, descriptors,
 * lock entries, requests, reply bytes), a new session takes the whole file's write lock at once, every session is
 * recorded closed and the signed log verifies.
 */
class LockStormCloseAttackTest {
    private static final int CONNECTIONS = 4;
    private static final int ROUNDS = 30;
    private static final int PIPELINED = 40;
    private static final int O_RDWR = 2;

    @TempDir
    java.nio.file.Path tmp;

    @Test
    void connectionsClosedInALockStormLeaveNoLockAndNothingHeld() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        SignedLogs logs = SignedLogs.in(tmp);
        SignedAuditTrail trail = logs.open();
        try (BudgetedAlphaGateway gateway = BudgetedAlphaGateway.start(fx, trail)) {
            CyclicBarrier lineUp = new CyclicBarrier(CONNECTIONS);
            ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
            try {
                List<Future<?>> storms = new ArrayList<>();
                for (int i = 0; i < CONNECTIONS; i++) {
                    Random r = new Random(i);
                    storms.add(pool.submit(() -> {
                        for (int round = 0; round < ROUNDS; round++) {
                            P9Client c = open(fx);
                            c.walk(0, 1, "notes.txt");
                            c.lopen(1, O_RDWR);
                            lineUp.await(30, TimeUnit.SECONDS);
                            for (int n = 0; n < PIPELINED; n++) {
                                c.send(request(r));
                            }
                            c.close(); // replies unread, requests still being served
                        }
                        return null;
                    }));
                }
                for (Future<?> f : storms) {
                    f.get(120, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            BudgetedAlphaGateway.betaReads(fx);
            gateway.assertAlphaHoldsNothing();
            try (P9Client again = open(fx)) {
                again.walk(0, 1, "notes.txt");
                again.lopen(1, O_RDWR);
                RMessage reply =
                        again.rpc(new TMessage.Tlock(1, LockConstants.LOCK_TYPE_WRLCK, 0, 0, 0, 1, "alpha-host"));
                assertEquals(
                        LockConstants.LOCK_SUCCESS, ((RMessage.Rlock) reply).status(), "no closed session's lock left");
            }
            gateway.awaitNoConnections();
        }
        BudgetedAlphaGateway.assertSessionsClosedAndLogVerifies(trail, logs);
    }

    private static P9Client open(PolicyFixture fx) throws Exception {
        P9Client c = P9Client.open(UnixDomainSocketAddress.of(fx.alphaSocket), GatewayConfig.DEFAULT_MSIZE);
        c.attach(0, "alpha", "data", 0);
        return c;
    }

    /** A lock request of one of 8 owners on a random range, or I/O on the locked file. */
    private static TMessage request(Random r) {
        int owner = r.nextInt(8);
        long start = r.nextInt(64);
        long length = r.nextInt(16);
        return switch (r.nextInt(6)) {
            case 0, 1 -> new TMessage.Tlock(1, LockConstants.LOCK_TYPE_WRLCK, 0, start, length, owner, "alpha-host");
            case 2 -> new TMessage.Tlock(1, LockConstants.LOCK_TYPE_UNLCK, 0, start, length, owner, "alpha-host");
            case 3 -> new TMessage.Tgetlock(1, LockConstants.LOCK_TYPE_WRLCK, 0, 0, owner, "alpha-host");
            case 4 -> new TMessage.Tread(1, start, 64);
            default -> new TMessage.Twrite(1, start, Unpooled.wrappedBuffer(new byte[] {'x'}));
        };
    }
}
