package io.p9gate.gateway.adversarial;

import io.p9gate.audit.AuditWriteException;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyServed;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The audit engineer's rig for the attacks on the audit trail: {@link PolicyFixture}'s two-VM policy served by a
 * real {@link Gateway} on its Unix sockets, every decision recorded in a real signed log ({@link SignedLogs}).
 * A hostile guest is a {@link P9Client} on alpha's or beta's socket.
 */
final class AuditedPolicyGateway implements AutoCloseable {
    final PolicyFixture policy;
    final SignedLogs logs;
    final SignedAuditTrail trail;
    /** The policy served; {@link PolicyHolder#reload()} swaps in what {@code policy.policyFile} holds then. */
    final PolicyHolder holder;

    private final ShareServerFactory shares;
    private final Gateway gateway;

    /** With the default signed log of {@link SignedLogs#open()}. */
    AuditedPolicyGateway(Path tmp) throws Exception {
        this(tmp, SignedLogs::openUnchecked);
    }

    /** @param openTrail opens the trail on the test's log directory (to tune the log's options) */
    AuditedPolicyGateway(Path tmp, Function<SignedLogs, SignedAuditTrail> openTrail) throws Exception {
        policy = new PolicyFixture(tmp, "1MiB");
        logs = SignedLogs.in(tmp);
        trail = openTrail.apply(logs);
        holder = policy.holder();
        shares = PolicyServed.shares(holder, trail);
        gateway = Gateway.start(
                new GatewayConfig(PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 4));
    }

    /** A guest of VM alpha, attached to its share "data" as fid 0. */
    P9Client alpha() throws Exception {
        P9Client c = P9Client.open(UnixDomainSocketAddress.of(policy.alphaSocket), 65536);
        c.attach(0, "root", "data", 0);
        return c;
    }

    /** A guest of VM beta, attached to its share "other" as fid 0. */
    P9Client beta() throws Exception {
        P9Client c = P9Client.open(UnixDomainSocketAddress.of(policy.betaSocket), 65536);
        c.attach(0, "root", "other", 0);
        return c;
    }

    private boolean closed;

    /** Stops serving and closes the log (shutdown record, final checkpoint); once, so a test may close it early. */
    @Override
    public void close() throws AuditWriteException {
        if (closed) {
            return;
        }
        closed = true;
        gateway.close();
        shares.close();
        trail.close();
    }
}
