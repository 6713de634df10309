package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.fs.ShareSafety;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.model.DeviceNodes;
import io.p9gate.policy.model.HostPermissions;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.VmPolicy;
import java.util.function.Supplier;

/**
 * One VM's share settings from the current policy ({@code devices:}, {@code permissions:}), looked up on every
 * request so that a reload applies at once. A share the policy no longer has gets the defaults (its requests
 * are refused by the policy anyway).
 */
record PolicyShareSafety(Supplier<PolicyEngine> engine, String vm) implements ShareSafety {
    @Override
    public Settings of(String share) {
        VmPolicy v = engine.get().policy().vms().get(vm);
        SharePolicy s = v == null ? null : v.shares().get(share);
        if (s == null) {
            return DEFAULTS;
        }
        return new Settings(
                s.devices() == DeviceNodes.MAPPED, s.permissions() == HostPermissions.ENFORCE, s.devicesRuleId());
    }
}
