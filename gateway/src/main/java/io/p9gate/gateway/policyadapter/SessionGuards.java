package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.GuardedFs;
import io.p9gate.gateway.fs.ShareDir;
import io.p9gate.gateway.session.IdentityInForce;
import io.p9gate.policy.PolicyEngine;
import java.util.List;
import java.util.function.Supplier;

/** Builds the choke point of one VM's session: the policy's decisions, id mapping and quotas for that VM. */
public final class SessionGuards {
    private final Supplier<PolicyEngine> engine;
    private final OwnershipMode ownership;
    private final PolicyQuotas quotas;

    /** @param quotas every VM's quota books (built from the policy; rebuilt on reload) */
    public SessionGuards(Supplier<PolicyEngine> engine, OwnershipMode ownership, PolicyQuotas quotas) {
        this.engine = engine;
        this.ownership = ownership;
        this.quotas = quotas;
    }

    /** The quota books the sessions charge: what the metrics read. */
    public PolicyQuotas quotas() {
        return quotas;
    }

    /**
     * @param served   the share directories the session was given: decisions hold only while the policy names them
     * @param identity whether the connection is still {@code vm}: decisions hold only while it is
     */
    GuardedFs guardedFs(String vm, long sessionId, List<ShareDir> served, AuditTrail audit, IdentityInForce identity) {
        return new GuardedFs(
                vm,
                sessionId,
                new PolicyAccess(engine, served, identity),
                audit,
                ownership.with(new PolicyIds(engine, vm)),
                quotas.of(vm),
                new PolicyShareSafety(engine, vm));
    }
}
