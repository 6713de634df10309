package io.p9gate.policy.model;

import io.p9gate.policy.quota.QuotaSpec;

import java.nio.file.Path;
import java.util.List;

/**
 * One share of a VM: the host directory served under the attach name {@code name}, its baseline access,
 * read-only and hidden subtrees, rules and quotas.
 */
public record SharePolicy(String vm, String name, Path hostDir, Access access, List<Subtree> readOnly,
                          List<Subtree> hidden, List<Rule> rules, List<QuotaSpec> quotas, SourcePos pos) {
    public SharePolicy {
        readOnly = List.copyOf(readOnly);
        hidden = List.copyOf(hidden);
        rules = List.copyOf(rules);
        quotas = List.copyOf(quotas);
    }

    /** Prefix of every rule id of this share, e.g. {@code vm.infotainment.share.media}. */
    public String idPrefix() { return "vm." + vm + ".share." + name; }
}
