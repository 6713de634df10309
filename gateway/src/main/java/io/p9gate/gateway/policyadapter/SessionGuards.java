package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.GuardedFs;

/** Builds the choke point of one VM's session: the policy's decisions for that VM. */
public final class SessionGuards {
    private final AccessPolicy policy;

    public SessionGuards(AccessPolicy policy) {
        this.policy = policy;
    }

    GuardedFs guardedFs(String vm, long sessionId, AuditTrail audit) {
        return new GuardedFs(vm, sessionId, policy, audit);
    }
}
