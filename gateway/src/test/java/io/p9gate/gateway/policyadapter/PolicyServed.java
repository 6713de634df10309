package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.gateway.wiring.ThisProcess;
import io.p9gate.policy.PolicyHolder;

/** The session factory `serve --policy` builds: each VM's shares, guards and quotas from the policy, over a trail. */
public final class PolicyServed {
    private PolicyServed() {}

    public static ShareServerFactory shares(PolicyHolder holder, AuditTrail trail) {
        return new ShareServerFactory(
                new PolicyShares(
                        holder,
                        new SessionGuards(
                                holder::current,
                                OwnershipMode.automatic(ThisProcess.INSTANCE),
                                new PolicyQuotas(holder.current()))),
                trail);
    }
}
