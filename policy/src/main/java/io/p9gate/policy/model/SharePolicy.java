package io.p9gate.policy.model;

import io.p9gate.policy.quota.QuotaSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One share of a VM: the host directory served under the attach name {@code name}, its baseline access,
 * read-only and hidden subtrees, rules and quotas, and how it keeps the host safe: what a guest's device
 * node becomes ({@code devices}) and who checks host permissions ({@code permissions}).
 */
public record SharePolicy(
        String vm,
        String name,
        Path hostDir,
        Access access,
        List<Subtree> readOnly,
        List<Subtree> hidden,
        List<Rule> rules,
        List<QuotaSpec> quotas,
        DeviceNodes devices,
        HostPermissions permissions,
        SourcePos pos) {
    public SharePolicy {
        readOnly = List.copyOf(readOnly);
        hidden = List.copyOf(hidden);
        rules = List.copyOf(rules);
        quotas = List.copyOf(quotas);
        Objects.requireNonNull(devices);
        Objects.requireNonNull(permissions);
    }

    /** Prefix of every rule id of this share, e.g. {@code vm.infotainment.share.media}. */
    public String idPrefix() {
        return "vm." + vm + ".share." + name;
    }

    /** The rule id a refused device node is recorded with. */
    public String devicesRuleId() {
        return idPrefix() + ".devices";
    }

    /**
     * The rule id of a request refused because its guest uid or gid is not mapped, in a share with {@code
     * permissions: enforce} (it would act on the host as the overflow id).
     */
    public String unmappedIdRuleId() {
        return idPrefix() + ".permissions.unmapped-id";
    }

    /**
     * The rule id of a request refused because it would give a file an owner or group the VM's {@code ids} map does
     * not map (a create as such a guest id, a chown to one), in any share of a VM with a map.
     */
    public String unmappedOwnerRuleId() {
        return idPrefix() + ".ids.unmapped-id";
    }
}
