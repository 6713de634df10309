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
    /** Tries of a check whose new connection was closed; the pause between them doubles from FIRST_PAUSE. */
    private static final int TRIES = 5;

    private static final Duration FIRST_PAUSE = Duration.ofMillis(100);

    private AcceptRefusal() {}

    /**
     * Why a new connection cannot be probed: a plain Tversion on it is answered by the close, and the VM has a
     * connection limit; empty when it is served, fails otherwise, or the VM has no limit (its checks run and say).
     */
    static Optional<String> now(VmTransport transport, VmPolicy vm) {
        if (vm.limits().get(Limit.CONNECTIONS).isEmpty()) {
            return Optional.empty();
        }
        for (int tried = 1; ; tried++) {
            try (P9Client c = transport.connect(8192)) {
                c.timeout(TIMEOUT);
                c.version(8192, P9Client.VERSION);
                return Optional.empty();
            } catch (IOException | P9Exception e) {
                if (!again(vm, e, tried)) {
                    return why(vm, e);
                }
            }
        }
    }

    /**
     * Whether to try once more, after a pause, a check whose new connection the gateway closed ({@code tried} tries
     * so far): the place of the VM's connection closed just before is given back only once its session has ended, a
     * moment later, so where the VM's limits.connections has none to spare (2: the suite's session and one probe) the
     * next connection may be closed at accept meanwhile (ConnectionsReachedComplianceTest; before, 1 to 8 of the
     * protocol/* checks and the claims failed so on a faithful gateway). Only for a VM with that limit.
     */
    static boolean again(VmPolicy vm, Exception e, int tried) {
        if (tried >= TRIES
                || vm.limits().get(Limit.CONNECTIONS).isEmpty()
                || !(e instanceof ConnectionClosedException)) {
            return false;
        }
        try {
            Thread.sleep(FIRST_PAUSE.multipliedBy(1L << (tried - 1)));
            return true;
        } catch (InterruptedException stop) {
            Thread.currentThread().interrupt();
            return false;
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
