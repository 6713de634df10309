package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.Budgets;
import io.p9gate.gateway.budget.HostResources;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.testing.ClosedByGateway;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.gateway.wiring.ThisProcess;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-ROB-2, cross-VM): a VM's connections were admitted to its connection budget on the VM's own event
 * loop, after accept(2) had already given each one a descriptor. With that loop busy (a flood of requests it serves
 * itself), a VM reconnecting as fast as it can piled accepted connections up in the loop's queue, each holding a
 * descriptor of the process and counted nowhere: against the deployed gateway (ulimit -n 20,000) a VM holding its
 * 9,394 descriptors and churning connections from six processes took the process to its limit; the other VM's Tlopen
 * failed with EMFILE and accept(2) failed for every listener. A connection now takes its VM's place at accept, on
 * the accept thread: past the budget it is closed there, whatever the VM's loop is doing.
 *
 * <p>Here alpha's loop is held inside the audit record of a lone read-only Tlopen (served on the loop), and alpha
 * connects 64 more times under a budget of 4 connections.
 */
class AcceptBacklogAttackTest {
    private static final long LOTS = 1 << 20;
    private static final int CONNECTIONS = 4;
    private static final int MORE = 64;
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void connectionsPastTheBudgetAreClosedAtAcceptWhileTheVmsLoopIsBusy() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        var holder = fx.holder();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AuditTrail holdingAlphasLoop = entry -> {
            if (entry.request().vm().equals("alpha")
                    && entry.request().operation() == Operation.OPEN
                    && Thread.currentThread().getName().startsWith("p9gate-io-alpha-")
                    && inside.getCount() > 0) {
                inside.countDown();
                awaitQuietly(release);
            }
            return fx.audit.record(entry);
        };
        Budgets budgets = new Budgets(HostResources.current(), GatewayConfig.DEFAULT_MSIZE);
        VmBudget alphaBudget = budgets.add(
                "alpha", new Limits(CONNECTIONS, LOTS, LOTS, LOTS, LOTS, LOTS, LOTS, 1), List.of(fx.alphaListener()));
        budgets.add("beta", new Limits(LOTS, LOTS, LOTS, LOTS, LOTS, LOTS, LOTS, 1), List.of(fx.betaListener()));
        List<SocketChannel> more = new ArrayList<>();
        try (ShareServerFactory shares =
                        fx.shares(holder, OwnershipMode.automatic(ThisProcess.INSTANCE), holdingAlphasLoop);
                Gateway _ = PolicyFixture.serve(holder, shares, budgets);
                P9Client alpha = P9Client.open(UnixDomainSocketAddress.of(fx.alphaSocket), 8192);
                P9Client beta = P9Client.open(UnixDomainSocketAddress.of(fx.betaSocket), 8192)) {
            alpha.attach(0, "alpha", "data", 0);
            alpha.walk(0, 1, "notes.txt");
            CompletableFuture<Void> held = CompletableFuture.runAsync(() -> {
                try {
                    alpha.lopen(1, 0);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(inside.await(PATIENCE.toSeconds(), TimeUnit.SECONDS), "alpha's loop is held");
            try {
                for (int i = 0; i < MORE; i++) {
                    SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                    more.add(c);
                    c.connect(UnixDomainSocketAddress.of(fx.alphaSocket));
                    c.configureBlocking(false);
                }
                // alpha holds one connection of its 4: three more may wait for its loop, the rest are closed.
                int closed = ClosedByGateway.within(more, MORE - (CONNECTIONS - 1), PATIENCE);
                assertEquals(
                        MORE - (CONNECTIONS - 1),
                        closed,
                        "connections past alpha's budget closed while its loop is busy (the others wait for it)");
                assertTrue(
                        alphaBudget.connections().used() <= CONNECTIONS,
                        "alpha holds " + alphaBudget.connections().used() + " connections");
                beta.attach(0, "beta", "other", 0);
                beta.walk(0, 1, "readme");
                beta.lopen(1, 0);
                assertEquals("beta's view", new String(beta.read(1, 0, 64)), "beta is served meanwhile");
            } finally {
                release.countDown();
            }
            held.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertEquals("hello", new String(alpha.read(1, 0, 64)), "alpha's held open completes");
        } finally {
            for (SocketChannel c : more) {
                c.close();
            }
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
