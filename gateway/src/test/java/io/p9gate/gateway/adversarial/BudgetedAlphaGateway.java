package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.budget.Budgets;
import io.p9gate.gateway.budget.HostResources;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.session.SessionSettings;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.gateway.wiring.ThisProcess;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@link PolicyFixture}'s two VMs served by a gateway that records into a signed trail, each VM on its own listener
 * and budgets (alpha held to 64 requests in service, everything else plentiful), so that a test can check that
 * alpha's budgets hold nothing once its connections are gone.
 */
final class BudgetedAlphaGateway implements AutoCloseable {
    private static final long LOTS = 1 << 20;

    final VmBudget alpha;
    private final ShareServerFactory shares;
    private final Gateway gateway;

    private BudgetedAlphaGateway(VmBudget alpha, ShareServerFactory shares, Gateway gateway) {
        this.alpha = alpha;
        this.shares = shares;
        this.gateway = gateway;
    }

    static BudgetedAlphaGateway start(PolicyFixture fx, SignedAuditTrail trail) throws Exception {
        return start(fx, trail, new Limits(LOTS, 64, LOTS, LOTS, LOTS, LOTS, LOTS, 1));
    }

    /** As {@link #start(PolicyFixture, SignedAuditTrail)}, alpha held to {@code alphaLimits}. */
    static BudgetedAlphaGateway start(PolicyFixture fx, SignedAuditTrail trail, Limits alphaLimits) throws Exception {
        return start(fx, trail, alphaLimits, GatewayConfig.DEFAULT_MSIZE);
    }

    /** As {@link #start(PolicyFixture, SignedAuditTrail, Limits)}, served with {@code serve --msize msize}. */
    static BudgetedAlphaGateway start(PolicyFixture fx, SignedAuditTrail trail, Limits alphaLimits, int msize)
            throws Exception {
        var holder = fx.holder();
        Budgets budgets = new Budgets(HostResources.current(), msize);
        VmBudget alpha = budgets.add("alpha", alphaLimits, List.of(fx.alphaListener()));
        budgets.add("beta", new Limits(LOTS, LOTS, LOTS, LOTS, LOTS, LOTS, LOTS, 1), List.of(fx.betaListener()));
        ShareServerFactory shares = fx.shares(holder, OwnershipMode.automatic(ThisProcess.INSTANCE), trail);
        try {
            Gateway gateway = Gateway.start(new GatewayConfig(
                    PolicyListeners.of(holder.current()),
                    shares,
                    msize,
                    2,
                    SessionSettings.DEFAULT_MAX_OUTSTANDING,
                    0,
                    budgets));
            return new BudgetedAlphaGateway(alpha, shares, gateway);
        } catch (IOException | RuntimeException | Error e) {
            shares.close();
            throw e;
        }
    }

    /** Bytes the gateway's connections hold of reads not yet decoded ({@link Gateway#bytesInHand}). */
    long bytesInHand() {
        return gateway.bytesInHand();
    }

    /** What a test does to the gateway's VMs. */
    interface Sweep {
        void run(PolicyFixture fx, BudgetedAlphaGateway gateway) throws Exception;
    }

    /**
     * Runs {@code sweep} against a gateway of a new {@link PolicyFixture} in {@code dir}, recording into a signed
     * log there; then {@link #assertSessionsClosedAndLogVerifies}.
     */
    static void sweep(java.nio.file.Path dir, Sweep sweep) throws Exception {
        PolicyFixture fx = new PolicyFixture(dir);
        SignedLogs logs = SignedLogs.in(dir);
        SignedAuditTrail trail = logs.open();
        try (BudgetedAlphaGateway gateway = start(fx, trail)) {
            sweep.run(fx, gateway);
        }
        assertSessionsClosedAndLogVerifies(trail, logs);
    }

    /** The sessions end on the VM's lane after their sockets close; "at all" is the point, not how fast. */
    void awaitNoConnections() throws InterruptedException {
        for (int i = 0; i < 3000 && alpha.connections().used() > 0; i++) {
            Thread.sleep(10);
        }
        assertEquals(0, alpha.connections().used(), "connections");
    }

    /** Once alpha's connections are gone: none of its budgets holds anything. */
    void assertAlphaHoldsNothing() throws InterruptedException {
        awaitNoConnections();
        assertEquals(0, alpha.fids().used(), "fids");
        assertEquals(0, alpha.descriptors().used(), "descriptors");
        assertEquals(0, alpha.locks().used(), "locks");
        assertEquals(0, alpha.xattrBytes().used(), "xattr value bytes");
        assertEquals(0, alpha.rememberedPaths().used(), "remembered paths");
        assertEquals(0, alpha.admission().serving(), "requests");
        assertEquals(0, alpha.admission().queuedReplyBytes(), "reply bytes");
    }

    /** Beta reads its file: served whatever alpha did. */
    static void betaReads(PolicyFixture fx) throws Exception {
        try (P9Client beta = P9Client.open(UnixDomainSocketAddress.of(fx.betaSocket), 8192)) {
            beta.attach(0, "beta", "other", 0);
            beta.walk(0, 1, "readme");
            beta.lopen(1, 0);
            assertEquals("beta's view", new String(beta.read(1, 0, 64), StandardCharsets.UTF_8));
        }
    }

    /** Closes {@code trail}: every session alpha opened is recorded closed, and the signed log verifies. */
    static void assertSessionsClosedAndLogVerifies(SignedAuditTrail trail, SignedLogs logs) throws Exception {
        trail.close();
        List<AuditRecord> records = logs.records();
        assertEquals(
                alphaRecords(records, "session_attach"), alphaRecords(records, "session_close"), "sessions closed");
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    private static long alphaRecords(List<AuditRecord> records, String type) {
        return records.stream()
                .filter(r -> type.equals(r.type()) && "alpha".equals(r.vm()))
                .count();
    }

    @Override
    public void close() {
        try {
            gateway.close();
        } finally {
            shares.close();
        }
    }
}
