package io.p9gate.gateway.compliance;

import io.p9gate.gateway.client.ConnectionClosedException;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.policy.model.Limit;
import io.p9gate.policy.model.VmPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * Whether the gateway now closes the VM's new connections at accept because its {@code limits.connections} is
 * reached (a live guest mount and the suite's own session, say 2): the checks that need a connection of their own are
 * then skipped, saying so, not failed (ConnectionsReachedComplianceTest; before, the 14 {@code protocol/*} checks and
 * the uname claims failed on a faithful gateway). Only where the policy gives the VM that limit: a gateway that closes
 * a VM's connections at accept with no limit to reach refuses them for no reason, and those checks fail. Each close met
 * is noted in the {@link ProbeLog}: the gateway records every close for the limit (rule {@code budget.connections}),
 * and the audit check fails a close it did not record ({@link AuditChecks}; before, a gateway closing every third
 * connection of a VM with limits.connections 64 passed, UnrecordedAcceptCloseComplianceTest).
 */
final class AcceptRefusal {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** Tries of a check whose new connection was closed; the pause between them doubles from FIRST_PAUSE. */
    private static final int TRIES = 5;

    private static final Duration FIRST_PAUSE = Duration.ofMillis(100);

    private final VmTransport transport;
    private final VmPolicy vm;
    private final ProbeLog probes;
    /** Whether the suite reads the audit log, where such a close is confirmed as the limit's. */
    private final boolean audited;

    AcceptRefusal(VmTransport transport, VmPolicy vm, ProbeLog probes, boolean audited) {
        this.transport = transport;
        this.vm = vm;
        this.probes = probes;
        this.audited = audited;
    }

    /**
     * Why a new connection cannot be probed: a plain Tversion on it is answered by the close, and the VM has a
     * connection limit; empty when it is served, fails otherwise, or the VM has no limit (its checks run and say).
     */
    Optional<String> now() {
        if (vm.limits().get(Limit.CONNECTIONS).isEmpty()) {
            return Optional.empty();
        }
        for (int tried = 1; ; tried++) {
            try (P9Client c = transport.connect(8192)) {
                c.timeout(TIMEOUT);
                c.version(8192, P9Client.VERSION);
                return Optional.empty();
            } catch (IOException | P9Exception e) {
                if (!again(e, tried)) {
                    return why(e);
                }
            }
        }
    }

    /**
     * Whether to try once more, after a pause, a check whose new connection the gateway closed ({@code tried} tries
     * so far): the place of the VM's connection closed just before is given back only once its session has ended, a
     * moment later, so where the VM's limits.connections has none to spare (2: the suite's session and one probe) the
     * next connection may be closed at accept meanwhile (ConnectionsReachedComplianceTest; before, 1 to 8 of the
     * protocol/* checks and the claims failed so on a faithful gateway). Only for a VM with that limit. The close is
     * noted whether or not it is tried again: a gateway closing now and then must record each close.
     */
    boolean again(Exception e, int tried) {
        if (!closedForTheLimit(e)) {
            return false;
        }
        probes.closedAtAccept(vm.id());
        if (tried >= TRIES) {
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

    /** As {@link #why}, noting the close: for a connection that is not tried again. */
    Optional<String> refused(Exception e) {
        if (closedForTheLimit(e)) {
            probes.closedAtAccept(vm.id());
        }
        return why(e);
    }

    /**
     * The skip's reason where {@code e}, met at a new connection's Tversion, is the close at accept of a VM with a limit
     * (already noted by {@link #again} or {@link #refused}).
     */
    Optional<String> why(Exception e) {
        if (!closedForTheLimit(e)) {
            return Optional.empty();
        }
        return Optional.of("not probed: the gateway closed a new connection of " + vm.id()
                + " at accept, its limits.connections ("
                + vm.limits().get(Limit.CONNECTIONS).getAsLong()
                + ") reached (the live VM's connections count, with the suite's own session); "
                + (audited
                        ? "each such close must be a budget.connections refusal in the audit log (" + vm.id()
                                + "/audit/records)"
                        : "not confirmed: without --audit-log the suite cannot see the gateway's budget.connections"
                                + " refusals"));
    }

    private boolean closedForTheLimit(Exception e) {
        return vm.limits().get(Limit.CONNECTIONS).isPresent() && e instanceof ConnectionClosedException;
    }
}
