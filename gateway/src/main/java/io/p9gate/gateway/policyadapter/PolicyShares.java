package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.GuardedFs;
import io.p9gate.gateway.fs.ShareAccess;
import io.p9gate.gateway.fs.ShareDir;
import io.p9gate.gateway.session.ConnectionContext;
import io.p9gate.gateway.session.IdentityInForce;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.dialect.Dialect;
import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.VmPolicy;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Serves each VM the shares its policy gives it (R-DEP-1, R-POL-1), as the {@link ShareAccess} of the gateway's one
 * session factory. A connection's VM is the listener it arrived on, never what Tattach says: the session only ever
 * holds that VM's shares, so an attach name of another VM, or one the policy does not list, is ENOENT (default deny).
 *
 * <p>Share directories are opened once, at start. A reload changes decisions, id maps and quotas
 * for the next request; it can take a share away from new sessions, but a share or listener the
 * first policy did not have needs a restart.
 */
public final class PolicyShares implements ShareAccess {
    private final PolicyHolder holder;
    private final SessionGuards guards;
    /** Development listeners outside the policy (e.g. the demo's TCP port): listener name to VM id. */
    private final Map<String, String> extraListeners;

    public PolicyShares(PolicyHolder holder, SessionGuards guards) {
        this(holder, guards, Map.of());
    }

    /**
     * As {@link #PolicyShares(PolicyHolder, SessionGuards)}, plus listeners the policy cannot name (plain TCP, for
     * development and the demo only: R-DEP-4 keeps them out of production), each assigned to a VM by the operator:
     * {@code ListenSpec.describe()} to VM id.
     */
    public PolicyShares(PolicyHolder holder, SessionGuards guards, Map<String, String> extraListeners) {
        this.holder = Objects.requireNonNull(holder);
        this.guards = Objects.requireNonNull(guards);
        this.extraListeners = Map.copyOf(extraListeners);
    }

    /** Every share of every VM in the policy loaded at start. */
    @Override
    public List<ShareDir> directories() {
        return holder.current().policy().vms().values().stream()
                .flatMap(vm -> sharesOf(vm).stream())
                .toList();
    }

    /**
     * The VM the transport identified ({@link PolicyPeers}); else the VM of the listener as the current policy says;
     * "" (a VM with no shares) for a listener no VM owns.
     */
    @Override
    public String vmOf(ConnectionContext connection) {
        if (!connection.vm().isEmpty()) {
            return connection.vm();
        }
        return vmOf(holder.current(), connection.listener())
                .or(() -> Optional.ofNullable(extraListeners.get(connection.listener())))
                .orElse("");
    }

    /** The VM behind a listener, as the current policy says; empty for a listener no VM owns. */
    static Optional<String> vmOf(PolicyEngine engine, String listener) {
        try {
            return engine.vmFor(ListenerSpec.parse(listener));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The VM's shares in the current policy, at the directories it names now. */
    @Override
    public List<ShareDir> sharesOf(String vm) {
        VmPolicy policy = holder.current().policy().vms().get(vm);
        return policy == null ? List.of() : sharesOf(policy);
    }

    /**
     * The VM's {@code dialects:} in the current policy. A VM the policy does not know has no shares to attach, so
     * its dialect does not matter.
     */
    @Override
    public boolean allowsDialect(String vm, Dialect dialect) {
        VmPolicy policy = holder.current().policy().vms().get(vm);
        return policy == null || policy.dialects().contains(dialect);
    }

    private static List<ShareDir> sharesOf(VmPolicy vm) {
        return vm.shares().values().stream().map(share -> shareDir(vm, share)).toList();
    }

    private static ShareDir shareDir(VmPolicy vm, SharePolicy share) {
        return new ShareDir(vm.id(), share.name(), share.hostDir());
    }

    @Override
    public boolean decidesByPath(String vm, String share) {
        return holder.current().decidesByPath(vm, share);
    }

    @Override
    public GuardedFs guard(
            String vm, long sessionId, List<ShareDir> served, AuditTrail audit, IdentityInForce identity) {
        return guards.guardedFs(vm, sessionId, served, audit, identity);
    }
}
