package io.p9gate.gateway.guest;

import io.p9gate.audit.AuditWriteException;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyBudgets;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyQuotas;
import io.p9gate.gateway.policyadapter.PolicyShares;
import io.p9gate.gateway.policyadapter.SessionGuards;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.session.SessionSettings;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A policy file's VMs served in this JVM as p9gate serve wires them (ownership by chown, the policy's quotas and
 * budgets), with a signed audit log, for two guests at once, each on its VM's unix socket (GuestIsolationIT,
 * GuestFloodLatencyIT, GuestSetIdLockReloadIT, GuestTwoVmShareIT). Closing stops the gateway, waits for the guest
 * runs, then closes the shares and the log.
 */
final class TwoGuestGateway implements AutoCloseable {
    private final GuestHarness harness;
    private final PolicyHolder holder;
    private final SignedAuditTrail trail;
    private final ShareServerFactory shares;
    private final PolicyQuotas quotas;
    private final ExecutorService guests = Executors.newFixedThreadPool(2);
    private final Gateway gateway;

    /** A policy of one VM, a (host ids 200000+, eight connections), sharing {@code share} as car on {@code socket}. */
    static String oneVmPolicy(Path socket, Path share) {
        return """
                image: test
                vms:
                  a:
                    listen: unix:%s
                    limits: {connections: 8}
                    ids:
                      uid: {ranges: [{guest: 0, host: 200000, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: 200000, count: 65536}]}
                    shares:
                      car:
                        path: %s
                        access: read-write
                """.formatted(socket, share);
    }

    /** Serves {@code policyFile}, its log starting with a Started event of digest {@code "sha256:" + name}. */
    TwoGuestGateway(GuestHarness harness, Path policyFile, SignedLogs logs, String name) throws Exception {
        this.harness = harness;
        this.holder = PolicyHolder.load(policyFile);
        this.trail = logs.open();
        this.quotas = new PolicyQuotas(holder.current());
        ShareServerFactory opened = null;
        try {
            opened = new ShareServerFactory(
                    new PolicyShares(holder, new SessionGuards(holder::current, OwnershipMode.CHOWN, quotas)), trail);
            trail.lifecycle(new GatewayEvent.Started("sha256:" + name, null));
            int msize = GatewayConfig.DEFAULT_MSIZE;
            this.gateway = Gateway.start(new GatewayConfig(
                    PolicyListeners.of(holder.current()),
                    opened,
                    msize,
                    4,
                    SessionSettings.DEFAULT_MAX_OUTSTANDING,
                    0,
                    PolicyBudgets.of(holder.current(), Map.of(), msize)));
            this.shares = opened;
        } catch (Exception | Error e) {
            guests.close();
            if (opened != null) {
                opened.close();
            }
            trail.close();
            throw e;
        }
    }

    PolicyHolder holder() {
        return holder;
    }

    ShareServerFactory shares() {
        return shares;
    }

    /** The VMs' quota books as the gateway keeps them (a restart's scan: {@code new PolicyQuotas(engine)}). */
    PolicyQuotas quotas() {
        return quotas;
    }

    /** Starts a guest run on {@code socket} (one of the two threads); see GuestBoots.awaitBoot before the next. */
    CompletableFuture<GuestResult> boot(String label, Path socket, GuestRun run) {
        return boot(label, socket, run, Map.of());
    }

    /** As {@link #boot(String, Path, GuestRun)}, run-guest.sh's environment extended by {@code harnessEnv}. */
    CompletableFuture<GuestResult> boot(String label, Path socket, GuestRun run, Map<String, String> harnessEnv) {
        return CompletableFuture.supplyAsync(() -> runOn(label, socket, run, harnessEnv), guests);
    }

    private GuestResult runOn(String label, Path socket, GuestRun run, Map<String, String> harnessEnv) {
        try {
            return harness.run(label, socket, run, harnessEnv);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws AuditWriteException {
        try {
            gateway.close();
            guests.close();
            shares.close();
        } finally {
            trail.close();
        }
    }
}
