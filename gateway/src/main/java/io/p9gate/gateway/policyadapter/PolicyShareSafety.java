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
final class PolicyShareSafety implements ShareSafety {
    /** The settings last made and the share policy they were made from: a reload brings a new one. */
    private record Made(SharePolicy share, Settings settings) {}

    private final Supplier<PolicyEngine> engine;
    private final String vm;
    /**
     * Every request asks, and nearly always about the share it asked about before: the settings (and the rule id
     * string in them) are made once per share policy, not per request (issue 11).
     */
    private volatile Made last = new Made(null, DEFAULTS);

    PolicyShareSafety(Supplier<PolicyEngine> engine, String vm) {
        this.engine = engine;
        this.vm = vm;
    }

    @Override
    public Settings of(String share) {
        VmPolicy v = engine.get().policy().vms().get(vm);
        SharePolicy s = v == null ? null : v.shares().get(share);
        if (s == null) {
            return DEFAULTS;
        }
        Made made = last;
        if (made.share() != s) {
            made = new Made(
                    s,
                    new Settings(
                            s.devices() == DeviceNodes.MAPPED,
                            s.permissions() == HostPermissions.ENFORCE,
                            s.devicesRuleId(),
                            onlyMapper(engine.get().policy(), s),
                            s.unmappedIdRuleId(),
                            s.unmappedOwnerRuleId()));
            last = made;
        }
        return made.settings();
    }

    /**
     * Whether no other VM maps special files in a share over {@code share}'s host directory (the same, above or
     * below it): then a mapping written before mappings named their VM can only be this VM's.
     */
    private static boolean onlyMapper(io.p9gate.policy.model.PolicyFile policy, SharePolicy share) {
        for (VmPolicy other : policy.vms().values()) {
            if (other.id().equals(share.vm())) {
                continue;
            }
            for (SharePolicy o : other.shares().values()) {
                if (o.devices() == DeviceNodes.MAPPED
                        && (o.hostDir().startsWith(share.hostDir())
                                || share.hostDir().startsWith(o.hostDir()))) {
                    return false;
                }
            }
        }
        return true;
    }
}
