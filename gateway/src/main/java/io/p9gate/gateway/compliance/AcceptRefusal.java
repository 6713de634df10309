package io.p9gate.gateway.compliance;

import io.p9gate.gateway.client.ConnectionClosedException;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.policy.model.Limit;
import io.p9gate.policy.model.VmPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Whether the gateway now closes the VM's new connections at accept because its {@code limits.connections} is
 * reached (a live guest mount and the suite's own session, say 2): the checks that need a connection of their own are
 * then skipped, saying so, not failed (ConnectionsReachedComplianceTest; before, the 14 {@code protocol/*} checks and
 * the uname claims failed on a faithful gateway). Only where the policy gives the VM that limit: a gateway that closes
 * a VM's connections at accept with no limit to reach refuses them for no reason, and those checks fail.
 */
final class AcceptRefusal {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private AcceptRefusal() {}

    /**
     * Why a new connection cannot be probed: a plain Tversion on it is answered by the close, and the VM has a
     * connection limit; empty when it is served, fails otherwise, or the VM has no limit (its checks run and say).
     */
    static Optional<String> now(VmTransport transport, VmPolicy vm) {
        if (vm.limits().get(Limit.CONNECTIONS).isEmpty()) {
            return Optional.empty();
        }
        try (P9Client c = transport.connect(8192)) {
            c.timeout(TIMEOUT);
            c.version(8192, P9Client.VERSION);
            return Optional.empty();
        } catch (IOException | P9Exception e) {
            return why(vm, e);
        }
    }

    /** The skip's reason where {@code e}, met at a new connection's Tversion, is the close at accept of a VM with a limit. */
    static Optional<String> why(VmPolicy vm, Exception e) {
        OptionalLong limit = vm.limits().get(Limit.CONNECTIONS);
        if (limit.isEmpty() || !(e instanceof ConnectionClosedException)) {
            return Optional.empty();
        }
        return Optional.of("not probed: the gateway closed a new connection of " + vm.id()
                + " at accept, its limits.connections (" + limit.getAsLong() + ") reached (the live VM's connections"
                + " count, with the suite's own session)");
    }
}
