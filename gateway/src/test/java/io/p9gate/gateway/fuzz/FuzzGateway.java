package io.p9gate.gateway.fuzz;

import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyQuotas;
import io.p9gate.gateway.policyadapter.PolicyShares;
import io.p9gate.gateway.policyadapter.SessionGuards;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.testing.LoggedLines;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.gateway.wiring.ThisProcess;
import io.p9gate.policy.PolicyHolder;
import java.nio.file.Path;
import java.util.List;

/**
 * The gateway the policy fuzzers attack, in process: a policy file's VMs on their listeners, ownership as the
 * policy maps it, quotas, a signed audit log in {@code dir}. {@link #stop()} returns what it logged as a bug.
 */
final class FuzzGateway implements AutoCloseable {
    final SignedLogs logs;
    final PolicyQuotas quotas;
    private final LoggedLines logged;
    private final SignedAuditTrail trail;
    private final ShareServerFactory shares;
    private final Gateway gateway;
    private boolean stopped;

    private FuzzGateway(Path dir, Path policy) throws Exception {
        logs = SignedLogs.in(dir);
        logged = new LoggedLines("io.p9gate");
        trail = logs.open();
        PolicyHolder holder = PolicyHolder.load(policy);
        quotas = new PolicyQuotas(holder.current());
        shares = new ShareServerFactory(
                new PolicyShares(
                        holder,
                        new SessionGuards(holder::current, OwnershipMode.automatic(ThisProcess.INSTANCE), quotas)),
                trail);
        gateway = Gateway.start(
                new GatewayConfig(PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 2));
    }

    static FuzzGateway start(Path dir, Path policy) throws Exception {
        return new FuzzGateway(dir, policy);
    }

    /** Stops the gateway and closes its log; the lines it logged as a bug or with an exception. */
    List<String> stop() throws io.p9gate.audit.AuditWriteException {
        if (stopped) {
            return List.of();
        }
        stopped = true;
        try {
            gateway.close();
            shares.close();
            trail.close();
            return logged.startingWith("").stream()
                    .filter(l -> l.contains("(bug)") || l.contains("xception"))
                    .map(l -> "logged: " + l)
                    .toList();
        } finally {
            logged.close();
        }
    }

    @Override
    public void close() throws io.p9gate.audit.AuditWriteException {
        stop();
    }
}
