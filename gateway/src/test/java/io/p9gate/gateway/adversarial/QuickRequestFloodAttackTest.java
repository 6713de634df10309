package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A quick request (Tgetattr, Twalk, a Tclunk that only closes, a read-only Tlopen, Tread, Twrite) with nothing else
 * of its connection in flight is served on the VM's own event loop, not by a worker (Session.servedOnLoop). VM alpha
 * floods them that way, one at a time on each of several connections, so every one of them takes that path: lone
 * getattrs, walks into its hidden subtree (denied), walks clunked again, reads and writes. Beta, with loops of its own, is still served throughout, and
 * every one of alpha's requests answered was decided and recorded like any other request (the loop path passes the
 * same choke point).
 */
class QuickRequestFloodAttackTest {
    /** One request (or request pair) of alpha's flood on the connection; returns how many it sent. */
    @FunctionalInterface
    private interface Flood {
        int send(P9Client alpha) throws Exception;
    }

    private static final int CONNECTIONS = 6;
    private static final int BETA_REQUESTS = 200;

    @TempDir
    Path tmp;

    @Test
    void betaIsServedWhileAlphaFloodsLoneGetattrsAndEachOfThemIsRecorded() throws Exception {
        betaIsServedWhileAlphaFloods(
                alpha -> {
                    alpha.getattr(0, 0x7ff);
                    return 1;
                },
                Operation.GETATTR);
    }

    @Test
    void betaIsServedWhileAlphaFloodsDeniedWalksAndEachOfThemIsRecorded() throws Exception {
        betaIsServedWhileAlphaFloods(
                alpha -> {
                    try {
                        alpha.walk(0, 1, "secret", "key");
                        throw new AssertionError("alpha walked into its hidden subtree");
                    } catch (io.p9gate.gateway.proto.P9Exception expected) {
                        return 1;
                    }
                },
                Operation.WALK);
    }

    @Test
    void betaIsServedWhileAlphaFloodsWalksAndClunksAndEachOfThemIsRecorded() throws Exception {
        betaIsServedWhileAlphaFloods(
                alpha -> {
                    alpha.walk(0, 1, "notes.txt");
                    alpha.clunk(1);
                    return 1;
                },
                Operation.CLUNK);
    }

    @Test
    void betaIsServedWhileAlphaFloodsLoneReadsAndEachOfThemIsRecorded() throws Exception {
        betaIsServedWhileAlphaFloods(
                alpha -> {
                    alpha.walk(0, 1, "notes.txt");
                    alpha.lopen(1, 0);
                    for (int i = 0; i < 8; i++) {
                        alpha.read(1, 0, 8192);
                    }
                    alpha.clunk(1);
                    return 8;
                },
                Operation.READ);
    }

    @Test
    void betaIsServedWhileAlphaFloodsLoneWritesAndEachOfThemIsRecorded() throws Exception {
        byte[] block = new byte[4096];
        betaIsServedWhileAlphaFloods(
                alpha -> {
                    alpha.walk(0, 1, "notes.txt");
                    alpha.lopen(1, 1); // O_WRONLY
                    for (int i = 0; i < 8; i++) {
                        alpha.write(1, 0, block);
                    }
                    alpha.clunk(1);
                    return 8;
                },
                Operation.WRITE);
    }

    private void betaIsServedWhileAlphaFloods(Flood request, Operation recordedAs) throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        var holder = fx.holder();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong answered = new AtomicLong();
        List<Thread> flood = new ArrayList<>();
        List<P9Client> alphas = new ArrayList<>();
        try (ShareServerFactory shares = fx.shares(holder);
                Gateway _ = Gateway.start(new GatewayConfig(
                        PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 4));
                P9Client beta = P9Client.open(UnixDomainSocketAddress.of(fx.betaSocket), 8192)) {
            beta.attach(0, "beta", "other", 0);
            try {
                for (int c = 0; c < CONNECTIONS; c++) {
                    P9Client alpha = P9Client.open(UnixDomainSocketAddress.of(fx.alphaSocket), 8192);
                    alphas.add(alpha);
                    alpha.attach(0, "alpha", "data", 0);
                    flood.add(Thread.ofPlatform().start(() -> {
                        try {
                            while (!stop.get()) {
                                answered.addAndGet(request.send(alpha));
                            }
                        } catch (Exception e) {
                            if (!stop.get()) {
                                throw new AssertionError("alpha's flood failed", e);
                            }
                        }
                    }));
                }
                while (answered.get() < 500) {
                    Thread.sleep(1);
                }
                long atStart = answered.get();
                for (int i = 0; i < BETA_REQUESTS; i++) {
                    beta.getattr(0, 0x7ff);
                }
                assertTrue(
                        answered.get() > atStart,
                        "alpha's flood ran while beta was served: " + atStart + " -> " + answered.get());
            } finally {
                stop.set(true);
                for (Thread t : flood) {
                    t.join(30_000);
                }
                alphas.forEach(P9Client::close);
            }
            long recorded = fx.audit.requests().stream()
                    .filter(r -> r.vm().equals("alpha") && r.operation() == recordedAs)
                    .count();
            assertTrue(
                    recorded >= answered.get(),
                    "alpha's " + recordedAs + " requests answered " + answered.get() + ", recorded " + recorded);
            assertEquals(
                    BETA_REQUESTS,
                    fx.audit.requests().stream()
                            .filter(r -> r.vm().equals("beta") && r.operation() == Operation.GETATTR)
                            .count());
        }
    }
}
